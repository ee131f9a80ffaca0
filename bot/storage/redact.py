"""Remove personal identifiers from user text before anything is stored (pure, linear-time functions).

The text is normalised first (NFKC, control and zero-width characters removed, whitespace collapsed);
number detectors then read a digit view in which every Unicode digit and Chinese numeral is an ASCII
digit and separators inside digit runs are gone, so 138\u00a01234\u00a05678, 一三八…, ①③⑧… and
6222.0212.3456.7890 look the same as their plain forms. Phones are found with `phonenumbers` (region CN),
ID numbers are checked with the GB 11643 checksum, card numbers with Luhn.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re

import phonenumbers

from bot.storage.textnorm import DigitView, digit_view, normalize_text

logger = logging.getLogger(__name__)

EMAIL_TOKEN = "[邮箱]"
ID_TOKEN = "[身份证号]"
CARD_TOKEN = "[银行卡号]"
PHONE_TOKEN = "[手机号]"
LANDLINE_TOKEN = "[电话]"
NUMBER_TOKEN = "[号码]"
NAME_TOKEN = "[姓名]"
ADDRESS_TOKEN = "[地址]"
WECHAT_TOKEN = "[微信号]"
QQ_TOKEN = "[QQ号]"
PLATE_TOKEN = "[车牌号]"
PASSPORT_TOKEN = "[护照号]"

MARGIN = 256  # longer than any identifier we look for, so one cut at the end of a window is never missed
LONG_RUN = 20  # a solid run of this many digits is redacted whatever it is
Span = tuple[int, int, str]

_SEP = r"\s?(?:[:：=]|是|为|叫)?\s?"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
# Labelled personal data: the label stays, the value goes. Every quantifier is bounded (linear time).
NAME_RE = re.compile(r"(?:姓名|名字|我叫(?![他她它你您们了过什啥谁怎家])|本人叫|户名|账户名|开户名|持卡人|收款人)"
                     + _SEP + r"([\u4e00-\u9fff·]{2,4}|[A-Za-z][A-Za-z'\-]{0,20}(?: [A-Za-z][A-Za-z'\-]{0,20}){0,2})")
ADDRESS_RE = re.compile(r"(?:住址|地址|家住|住在|居住地|户籍地)" + _SEP + r"([^\s,，。;；!！?？]{2,60})")
WECHAT_RE = re.compile(r"(?i:微信号?|vx|wx|v信|薇信|威信|weixin|wechat)\s?号?" + _SEP
                       + r"([A-Za-z][A-Za-z0-9_\-]{4,19}|\+?\d{5,15})")
QQ_RE = re.compile(r"(?i:qq|扣扣|企鹅)\s?号?(?:码)?" + _SEP + r"([1-9]\d{4,11})(?!\d)")
PASSPORT_RE = re.compile(r"护照(?:号码?)?" + _SEP + r"([A-Za-z]{1,2}\d{6,9}|\d{8,9})(?![0-9A-Za-z])")
PLATE_LABELLED_RE = re.compile(r"车牌(?:号码?)?" + _SEP + rf"([{_PROVINCES}]\s?[A-Za-z][·\s]?[A-Za-z0-9]{{5,6}})")
PLATE_RE = re.compile(rf"[{_PROVINCES}][A-Z]·?[A-Z0-9]{{5,6}}(?![A-Za-z0-9])")
MOBILE_RE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86)?1[3-9]\d{9}(?!\d)")  # also next to letters (vx138…)
DIGIT_RUN_RE = re.compile(r"\d+[Xx]?")
GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = "10X98765432"


def _valid_date(yyyymmdd: str) -> bool:
    try:
        day = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return dt.date(1850, 1, 1) <= day <= dt.date(2100, 1, 1)


def valid_id18(number: str) -> bool:
    """A resident ID number (GB 11643-1999): region, birth date, sequence and a matching check character."""
    if len(number) != 18 or not number[:17].isdigit() or number[0] == "0" or not _valid_date(number[6:14]):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], GB11643_WEIGHTS))
    return GB11643_CHECK[total % 11] == number[17].upper()


def valid_id15(number: str) -> bool:
    """A first-generation 15-digit ID number: region + YYMMDD + sequence."""
    return len(number) == 15 and number.isdigit() and number[0] != "0" and _valid_date("19" + number[6:12])


def luhn(number: str) -> bool:
    """The Luhn check every bank card number passes."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _groups(view: DigitView, start: int, end: int) -> list[int]:
    """Lengths of the digit groups the source wrote for view characters start..end-1."""
    groups: list[int] = []
    run = 1
    for i in range(start + 1, end):
        if view.origin[i] - view.origin[i - 1] == 1:
            run += 1
        else:
            groups.append(run)
            run = 1
    groups.append(run)
    return groups


def _grouped_like_a_card(view: DigitView, start: int, end: int) -> bool:
    """Groups of four (the first may have six), as cards are printed."""
    groups = _groups(view, start, end)
    return len(groups) >= 3 and groups[0] in (4, 6) and all(g == 4 for g in groups[1:-1]) and groups[-1] <= 4


def _digit_run(view: DigitView, start: int, end: int) -> str | None:
    """Classify one maximal digit run of the view; None means it is an ordinary number."""
    run = view.text[start:end]
    digits = run.rstrip("Xx")
    solid = view.solid(start, end)
    if run[-1] in "Xx":  # 17 digits and an X: an ID number even with a mistyped check character
        return ID_TOKEN if len(run) == 18 and run[0] != "0" and _valid_date(run[6:14]) else None
    n = len(digits)
    if n == 18 and (valid_id18(digits) or (_valid_date(digits[6:14]) and _groups(view, start, end) == [6, 8, 4])):
        return ID_TOKEN
    if n == 15 and valid_id15(digits):
        return ID_TOKEN
    if 16 <= n <= 19 and (solid or luhn(digits) or _grouped_like_a_card(view, start, end)):
        return CARD_TOKEN
    if n >= LONG_RUN and solid:
        return NUMBER_TOKEN
    return None


def _digit_runs(view: DigitView) -> list[Span]:
    spans = []
    for m in DIGIT_RUN_RE.finditer(view.text):
        start, end = m.span()
        if m.group(0)[-1] in "Xx" and end < len(view.text) and view.text[end].isalnum():
            end -= 1  # "…123Xyz": the X belongs to a word
        if end > start and (token := _digit_run(view, start, end)) is not None:
            spans.append((*view.source_span(start, end), token))
    return spans


def _phones(view: DigitView) -> list[Span]:
    spans: list[Span] = []
    try:
        for m in phonenumbers.PhoneNumberMatcher(view.text, "CN"):
            mobile = phonenumbers.number_type(m.number) == phonenumbers.PhoneNumberType.MOBILE
            start, end = m.start, m.end
            if m.raw_string.startswith("(") and ")" not in m.raw_string:  # "我妈(139…" keeps its bracket
                start += 1
            spans.append((*view.source_span(start, end), PHONE_TOKEN if mobile else LANDLINE_TOKEN))
    except Exception as exc:  # noqa: BLE001 - a library fault must not stop the regex fallback below
        logger.warning("phone matcher failed (%s); using the mobile pattern only", type(exc).__name__)
    for mobile_match in MOBILE_RE.finditer(view.text):
        spans.append((*view.source_span(*mobile_match.span()), PHONE_TOKEN))
    return spans


EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
IDN_TLDS = ("中国", "中國", "公司", "网络", "網絡", "香港", "台湾", "台灣", "在线", "网址", "商城", "移动", "集团", "我爱你")


def _domain_char(ch: str) -> bool:
    return ch == "-" or ch == "." or (ch.isalnum() and ch != "_")


def _emails(text: str) -> list[Span]:
    """E-mail addresses, ASCII or internationalised, found by scanning out from each @ (linear time)."""
    spans: list[Span] = []
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in EMAIL_LOCAL:
            start -= 1
        if start == at:  # an internationalised local part (张三@例子.中国): a few letters at most
            while start > 0 and at - start < 8 and text[start - 1].isalnum() and text[start - 1] != "_":
                start -= 1
        end = at + 1
        while end < len(text) and end - at <= 253 and _domain_char(text[end]) and text[end] != "@":
            end += 1
        domain = text[at + 1:end].rstrip(".-")
        labels = domain.split(".")
        if start < at and len(labels) >= 2 and all(labels):
            last = labels[-1]
            if last.isascii():
                tld = re.match(r"[A-Za-z]{2,}|xn--[a-z0-9\-]+", last)
                if tld:  # "a@b.cn怎么办": ASCII TLD ends at the first non-letter
                    cut = at + 1 + len(domain) - len(last) + tld.end()
                    spans.append((start, cut, EMAIL_TOKEN))
            else:  # a Chinese TLD runs into the Chinese sentence: stop at a known one, else take it all
                known = next((t for t in IDN_TLDS if last.startswith(t)), None)
                cut = at + 1 + len(domain) - len(last) + (len(known) if known else len(last))
                spans.append((start, cut, EMAIL_TOKEN))
        at = text.find("@", max(end, at + 1))
    return spans


def _labelled(text: str, view: DigitView) -> list[Span]:
    spans: list[Span] = []
    for pattern, token in ((NAME_RE, NAME_TOKEN), (ADDRESS_RE, ADDRESS_TOKEN), (WECHAT_RE, WECHAT_TOKEN),
                           (PLATE_LABELLED_RE, PLATE_TOKEN)):
        spans += [(m.start(1), m.end(1), token) for m in pattern.finditer(text)]
    spans += [(m.start(), m.end(), PLATE_TOKEN) for m in PLATE_RE.finditer(text)
              if sum(c.isdigit() for c in m.group(0)) >= 3]
    for pattern, token in ((QQ_RE, QQ_TOKEN), (PASSPORT_RE, PASSPORT_TOKEN)):
        spans += [(*view.source_span(*m.span(1)), token) for m in pattern.finditer(view.text)]
    return spans


def find_identifiers(text: str) -> tuple[Span, ...]:
    """Spans (start, end, placeholder) of every identifier in normalised `text`, earlier finders winning overlaps."""
    view = digit_view(text)
    found: list[Span] = []
    for spans in (_emails(text), _labelled(text, view), _phones(view), _digit_runs(view)):
        for start, end, token in sorted(spans):
            if not any(s < end and start < e for s, e, _ in found):
                found.append((start, end, token))
    return tuple(sorted(found))


def _apply(text: str, spans: tuple[Span, ...], stop: int) -> str:
    out: list[str] = []
    pos = 0
    for start, end, token in spans:
        if start >= stop:
            break
        out += [text[pos:start], token]
        pos = end
    if pos < stop:
        out.append(text[pos:stop])
    return "".join(out)


def redact(text: str) -> str:
    """Normalise `text`, then replace e-mail, phone, ID, card and labelled personal data with placeholders."""
    base = normalize_text(text or "")
    return _apply(base, find_identifiers(base), len(base)) if base else base


def redact_for_storage(text: str, limit: int) -> str:
    """Redact at most `limit` characters' worth of `text`: cut before any pattern runs, never keep half a number.

    The raw text is cut to a bounded window first; identifiers are searched in the window, and only text
    starting at least MARGIN characters before the window's end is kept, so an identifier cut by the window
    is dropped rather than stored in part.
    """
    raw = str(text or "")
    window = limit + limit // 2 + MARGIN  # room for placeholders shorter than what they replace
    cut_raw = len(raw) > 2 * window  # normalising only shrinks text; a shorter result is still safe
    base = normalize_text(raw[:2 * window] if cut_raw else raw)
    cut = cut_raw or len(base) > window
    base = base[:window]
    stop = len(base) - MARGIN if cut else len(base)
    return _apply(base, find_identifiers(base), max(stop, 0))[:limit].rstrip()


def keyed_hash(value: str | int, secret: str) -> str:
    """A stable pseudonym for a user id (HMAC-SHA256 with Settings.hash_secret); never keep the raw id."""
    if not secret:
        raise ValueError("keyed_hash needs a non-empty secret (XINZHI_HASH_SECRET)")
    return hmac.new(secret.encode("utf-8"), str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:32]
