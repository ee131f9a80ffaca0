"""Translate Telegram updates into calls on the XinZhi app and send what bot.tg.render produced.

Handlers never decide what to answer: a question becomes one `app.reply(state, text, "telegram")` call,
with the chat's conversation state kept in memory (`app.conversations`, bounded, ~10 minutes).
"""
from __future__ import annotations

import asyncio
import logging
import re
import traceback
from dataclasses import dataclass, field
from typing import Sequence

from telegram import CallbackQuery, InlineQueryResultsButton, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, InlineQueryHandler
from telegram.ext import MessageHandler, filters

from bot.core import texts
from bot.core.conversation import State
from bot.core.model import Reply
from bot.app import XinZhi
from bot.config import Settings
from bot.tg import callbacks, render
from bot.tg.chataction import typing_if_slow
from bot.tg.ratelimit import UserRateLimiter, Verdict
from bot.tg.votes import Votes

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
DEPS_KEY = "xinzhi"
INLINE_CACHE_SECONDS = 60
INLINE_START_PARAMETER = "inline"
RELOAD_FAILED = "知识库重新加载失败,继续使用原来的版本:{error}"


@dataclass(frozen=True)
class Deps:
    """What every handler needs; stored once in application.bot_data."""

    app: XinZhi
    settings: Settings
    limiter: UserRateLimiter
    votes: Votes = field(default_factory=Votes)  # 👍/👎 counted once per user and entry


def deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    return context.bot_data[DEPS_KEY]


# --- pure helpers ------------------------------------------------------------------------------------

def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The question in a message meant for the bot; None for group chatter not addressed to it."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    name = bot_username.lower()
    mentioned = any(
        (entity.type == MessageEntityType.MENTION and value[1:].lower() == name)
        or (entity.type == MessageEntityType.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id)
        for entity, value in message.parse_entities([MessageEntityType.MENTION, MessageEntityType.TEXT_MENTION]).items()
    )
    replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
        and message.reply_to_message.from_user.id == bot_id
    if not (mentioned or replied):
        return None
    return re.sub("@" + re.escape(bot_username) + r"\b", " ", text, flags=re.IGNORECASE).strip() if bot_username else text


def command_argument(message: Message) -> str:
    """Everything after the command word (`/ask 逾期 怎么办` → `逾期 怎么办`)."""
    parts = (message.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def _update_kind(update: object) -> str:
    if not isinstance(update, Update):
        return "no update"
    for kind in ("message", "callback_query", "inline_query", "edited_message"):
        if getattr(update, kind) is not None:
            return kind
    return "other update"


# --- sending -----------------------------------------------------------------------------------------

async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, messages: Sequence[render.Message]) -> None:
    """Send rendered messages to the update's chat, quoting the question in groups."""
    chat = update.effective_chat
    if chat is None:  # nowhere to answer
        return
    source = update.message  # None for button presses: answers then follow the bot's own message
    context_message = update.effective_message
    thread = (context_message.message_thread_id
              if context_message is not None and getattr(context_message, "is_topic_message", False) else None)
    for i, (text, keyboard) in enumerate(messages):
        reply_to = (ReplyParameters(source.message_id, allow_sending_without_reply=True)
                    if source is not None and chat.type != ChatType.PRIVATE and i == 0 else None)
        await context.bot.send_message(chat.id, text, reply_markup=keyboard, reply_parameters=reply_to,
                                       message_thread_id=thread)


async def typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show "typing…"; a failure here must not cost the user the answer."""
    if update.effective_chat is None:
        return
    try:
        await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    except TelegramError as exc:
        logger.info("chat action failed (%s); answering anyway", type(exc).__name__)


async def allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Apply the per-user rate limit; tell the user once per window when they are over it."""
    user, chat = update.effective_user, update.effective_chat
    if user is None and chat is None:
        return True
    verdict = deps(context).limiter.check(user.id if user is not None else f"chat:{chat.id}")  # type: ignore[union-attr]
    if verdict is Verdict.ALLOW:
        return True
    logger.info("per-user rate limit hit (%s)", verdict.value)
    query = update.callback_query
    if query is not None:
        await query.answer(texts.RATE_LIMITED if verdict is Verdict.NOTIFY else None)
    elif verdict is Verdict.NOTIFY and update.effective_chat is not None:
        await send(update, context, [render.plain(texts.RATE_LIMITED)])
    return False


def chat_key(update: Update) -> tuple[str, int]:
    """Whose conversation this is: one state per chat, in memory only."""
    chat = update.effective_chat
    return CHANNEL, chat.id if chat is not None else 0


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """The one path from a question to an answer: limit, typing…, app.reply with the chat's state, render, send."""
    if not await allowed(update, context):
        return
    app = deps(context).app
    key = chat_key(update)
    current = app.conversations.get(key)
    if question.strip() == texts.NONE_OF_THESE and current.picks and current.choices:  # typed, not the button
        app.conversations.put(key, app.none_of_these(current, CHANNEL))
        await send(update, context, [render.none_of_these()])
        return
    async with typing_if_slow(lambda: typing(update, context)):  # off the event loop; "typing…" only if slow
        reply, state = await asyncio.to_thread(app.reply, current, question, CHANNEL)
    app.conversations.put(key, state)
    await send(update, context, render.render_reply(reply))


async def reply_fixed(update: Update, context: ContextTypes.DEFAULT_TYPE, message: render.Message) -> None:
    if await allowed(update, context):
        await send(update, context, [message])


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in deps(context).settings.telegram.admin_ids


# --- commands ----------------------------------------------------------------------------------------

async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_fixed(update, context, render.topics_page(deps(context).app.kb, 0, intro=texts.WELCOME))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_fixed(update, context, render.plain(texts.HELP))


async def on_about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_fixed(update, context, render.plain(texts.ABOUT))


async def on_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_fixed(update, context, render.plain(texts.PRIVACY))


async def on_topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_fixed(update, context, render.topics_page(deps(context).app.kb, 0))


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    question = command_argument(update.message) if update.message is not None else ""
    if question:
        await answer_question(update, context, question)
    else:
        await reply_fixed(update, context, render.plain(texts.ASK_USAGE))


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not is_admin(update, context):
        await reply_fixed(update, context, render.plain(texts.ADMIN_ONLY))
        return
    await send(update, context, [render.stats_message(deps(context).app.stats())])


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not is_admin(update, context):
        await reply_fixed(update, context, render.plain(texts.ADMIN_ONLY))
        return
    await typing(update, context)
    try:
        result = await asyncio.to_thread(deps(context).app.reload)
    except Exception as exc:  # a KB fault the loader did not locate: still the admin's report, not an apology
        logger.warning("reload failed: %s", type(exc).__name__)
        await send(update, context, [render.plain(RELOAD_FAILED.format(error=f"{type(exc).__name__}: {exc}"[:1000]))])
        return
    logger.info("reload requested by an admin: ok=%s entries=%s errors=%s", result.ok, result.entries, len(result.errors))
    await send(update, context, [render.plain(result.summary())])


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_fixed(update, context, render.plain(texts.HELP))


# --- messages ----------------------------------------------------------------------------------------

async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is None:
        return
    question = addressed_text(update.message, context.bot.username or "", context.bot.id)
    if question is not None:
        await answer_question(update, context, question)


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_fixed(update, context, render.plain(texts.NON_TEXT))


# --- buttons -----------------------------------------------------------------------------------------

async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:  # routing guarantees one; a guard keeps the types honest
        return
    action = callbacks.parse(query.data)
    if action is None:  # forged or from an older version: a polite notice, never an exception
        await query.answer(texts.ENTRY_GONE)
        return
    if not await allowed(update, context):
        return
    if action.kind in (callbacks.TOPICS, callbacks.CATEGORY):
        await show_browser(update, context, action)
    elif action.kind in (callbacks.FEEDBACK_UP, callbacks.FEEDBACK_DOWN):
        await record_feedback(update, context, action)
    elif action.kind == callbacks.FULL:
        await expand(update, context, action)
    elif action.kind == callbacks.NONE:
        await none_of_these(update, context)
    else:
        await show_entry(update, context, action)


async def show_browser(update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Action) -> None:
    """Page through categories and questions by editing the browser message in place."""
    query = update.callback_query
    if query is None:  # routing guarantees one; a guard keeps the types honest
        return
    kb = deps(context).app.kb
    if action.kind == callbacks.TOPICS:
        text, keyboard = render.topics_page(kb, action.numbers[0])
    else:
        text, keyboard = render.category_page(kb, *action.numbers)
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # a double tap on the same page is harmless
            raise


async def open_button(query: CallbackQuery, app: XinZhi, action: callbacks.Action, picked: bool = False) -> Reply | None:
    """Open the entry a button points to and acknowledge the tap; None (and say so) if a reload removed it."""
    entry = callbacks.resolve_entry(app.kb, action.ref)
    reply = app.open(entry.id, CHANNEL, picked=picked) if entry is not None else None
    if reply is None or reply.entry is None:
        await query.answer(texts.ENTRY_GONE)
        return None
    await query.answer()
    return reply


async def show_entry(update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Action) -> None:
    """Send the answer a button points to; a suggestion pick is recorded for KB editors."""
    query = update.callback_query
    if query is None:  # routing guarantees one; a guard keeps the types honest
        return
    app = deps(context).app
    reply = await open_button(query, app, action, picked=action.kind == callbacks.PICK)
    if reply is None or reply.entry is None:
        return
    # numbers typed next refer to this answer's related questions
    app.conversations.put(chat_key(update), State(reply.entry.id, reply.entry.question,
                                                  tuple(e.id for e in reply.related)))
    if update.effective_chat is not None:
        await send(update, context, render.render_reply(reply))


async def expand(update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Action) -> None:
    """"查看完整解答": edit the summary-first message into the full answer with its sources."""
    query = update.callback_query
    if query is None:  # routing guarantees one; a guard keeps the types honest
        return
    reply = await open_button(query, deps(context).app, action)
    if reply is None or reply.entry is None:
        return
    old = getattr(query.message, "reply_markup", None)
    keyboard = render.without_expand(old) if old is not None else None
    chunks = render.split_blocks(render.answer_blocks(reply.entry))
    await query.edit_message_text(chunks[0], reply_markup=keyboard if len(chunks) == 1 else None)
    if len(chunks) > 1:
        await send(update, context, [(c, keyboard if i == len(chunks) - 2 else None) for i, c in enumerate(chunks[1:])])


async def none_of_these(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"都不是": record the miss (redacted by the log) for `kb gaps`; offer rephrasing, /topics and help lines."""
    query = update.callback_query
    if query is None:  # routing guarantees one; a guard keeps the types honest
        return
    app = deps(context).app
    key = chat_key(update)
    app.conversations.put(key, app.none_of_these(app.conversations.get(key), CHANNEL))
    await query.answer()
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    await send(update, context, [render.none_of_these()])


async def record_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Action) -> None:
    """Count a 👍/👎 once, thank the user and remove the vote buttons."""
    query = update.callback_query
    if query is None:  # routing guarantees one; a guard keeps the types honest
        return
    app = deps(context).app
    entry = callbacks.resolve_entry(app.kb, action.ref)
    if entry is not None and not deps(context).votes.first(query.from_user.id, entry.id):
        await query.answer(texts.FEEDBACK_THANKS)  # counted already: thank again, count once
        return
    if entry is None or not app.feedback(entry.id, action.kind == callbacks.FEEDBACK_UP, CHANNEL):
        await query.answer(texts.ENTRY_GONE)
        return
    await query.answer(texts.FEEDBACK_THANKS)
    keyboard = getattr(query.message, "reply_markup", None)  # None for an inaccessible (old) message
    await query.edit_message_reply_markup(render.without_feedback(keyboard))
    if action.kind == callbacks.FEEDBACK_DOWN and update.effective_chat is not None:
        reply = app.open(entry.id, CHANNEL)
        await send(update, context, [render.after_down(entry, reply.related if reply is not None else ())])


# --- inline mode -------------------------------------------------------------------------------------

async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot 问题` anywhere: up to five answers as articles; nothing is counted or recorded."""
    query = update.inline_query
    if query is None:
        return
    app = deps(context).app
    text = query.query.strip()
    entries = app.inline(text) if text else ()
    button = None if entries else InlineQueryResultsButton(texts.INLINE_ASK_PRIVATELY,
                                                            start_parameter=INLINE_START_PARAMETER)
    await query.answer([render.inline_article(e) for e in entries], cache_time=INLINE_CACHE_SECONDS, button=button)


# --- errors ------------------------------------------------------------------------------------------

QUIET_ERRORS = (TimedOut, RetryAfter, Forbidden)  # the user may already have the answer, or cannot get one


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what failed (never message text or user ids), apologise when useful, keep serving."""
    error = context.error
    kind = _update_kind(update)
    if isinstance(error, TelegramError):
        logger.warning("Telegram API error while handling %s: %s: %s", kind, type(error).__name__, error)
    else:
        frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
        logger.error("error while handling %s: %s\n%s", kind, type(error).__name__, frames)
    if not isinstance(update, Update) or update.effective_chat is None or isinstance(error, QUIET_ERRORS):
        return
    if update.inline_query is not None:
        return
    try:
        await context.bot.send_message(update.effective_chat.id, render.esc(texts.GENERIC_ERROR))
    except TelegramError as exc:
        logger.info("could not send the apology either (%s)", type(exc).__name__)


# --- wiring ------------------------------------------------------------------------------------------

def register(application: Application, deps_: Deps) -> None:
    """Attach every handler to `application` (commands first, then messages, buttons, inline)."""
    application.bot_data[DEPS_KEY] = deps_
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    for name, callback in (("start", on_start), ("help", on_help), ("about", on_about), ("privacy", on_privacy),
                           ("topics", on_topics), ("ask", on_ask), ("stats", on_stats), ("reload", on_reload)):
        application.add_handler(CommandHandler(name, callback, filters=new_message))
    application.add_handler(MessageHandler(new_message & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(new_message & private & filters.COMMAND, on_unknown_command))
    # stickers, photos, voice, files, locations, contacts, polls …: everything Telegram calls an attachment
    application.add_handler(MessageHandler(new_message & private & filters.ATTACHMENT & ~filters.TEXT, on_non_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(on_inline))
    application.add_error_handler(on_error)
