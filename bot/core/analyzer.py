"""Turn normalized text into the weighted words the matcher compares: segment, fix homophones, map synonyms."""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping

import jieba

from bot.core.jiebacache import jieba_cache_dir
from bot.core.model import KnowledgeBase

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

# numbers and amounts stay whole: 7万, 1.5万, 30%, 3个月, 2024年
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?(?:%|万|千|百|元|块|个月|月|天|年|期|次|岁|号|日|w|k)?")
LATIN_RE = re.compile(r"[a-z]+")
CHUNK_RE = re.compile(f"({NUMBER_RE.pattern}|{LATIN_RE.pattern}|\\s+)")
HAN_RE = re.compile(r"^[\u4e00-\u9fff]+$")
HAN_CHAR_RE = re.compile(r"[\u4e00-\u9fff]")
MIN_HAN_FOR_ASIDES = 2  # a message with at least this many Chinese characters is a Chinese question (drop_asides)

DEFAULT_STOPWORDS = frozenset(
    "的 了 吗 呢 啊 吧 呀 嘛 哦 哈 么 是 我 你 他 她 它 们 我们 你们 在 有 和 与 就 都 也 还 又 被 把 给 让 对 "
    "请问 请 想 要 能 会 该 应该 一下 一个 这个 那个 这样 那样 "
    "急 在线等 求助 大家 谁 知道 吗吗 啦 嗯 呃 哎 唉 诶".split()
)


# question words: they help tell "is it legal?" from "what do I do?", but never carry a match alone
INTENT_WORDS = frozenset(
    "怎么 怎么办 怎样 怎么样 咋样 如何 什么 什么样 为什么 咋 咋办 咋整 可以 能不能 会不会 是不是 可不可以 有没有 吗 多久 多少 哪里 去哪 "
    "正常 真的 有用 影响 后果 办法".split()
)


# kept whole so that 还 (repay) is never dropped as the adverb 还 (still): 信用卡还不起 is about repaying
BUILTIN_WORDS = ("还不起", "还不上", "还不了")


@lru_cache(maxsize=1)
def _pinyin_table() -> Mapping[int, str]:
    """Load pypinyin's per-character table without importing the package (its phrase tables cost ~100 ms)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pypinyin is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.py"
    module_spec = importlib.util.spec_from_file_location("_xinzhi_pinyin_dict", path)
    if module_spec is None or module_spec.loader is None:
        from pypinyin.pinyin_dict import pinyin_dict

        return pinyin_dict
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.pinyin_dict


FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
FUZZY_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


@lru_cache(maxsize=65536)
def char_sound(ch: str) -> str:
    """Return a tone-less, fuzzy pinyin key for one character ('' if it has none)."""
    raw = _pinyin_table().get(ord(ch))
    if not raw:
        return ""
    first = raw.split(",")[0]
    plain = "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c))
    for a, b in FUZZY_INITIALS:
        if plain.startswith(a):
            plain = b + plain[len(a):]
            break
    for a, b in FUZZY_FINALS:
        if plain.endswith(a):
            plain = plain[: -len(a)] + b
            break
    return plain


def sound_key(word: str) -> tuple[str, ...]:
    return tuple(char_sound(c) for c in word)


@lru_cache(maxsize=1)
def _base_tokenizer() -> jieba.Tokenizer:
    """Load jieba's main dictionary once per process; analyzers copy it."""
    tk = jieba.Tokenizer()
    tk.tmp_dir = jieba_cache_dir()  # never the shared temp folder (a planted cache there is trusted)
    tk.initialize()
    return tk


def _new_tokenizer(words: Iterable[tuple[str, int | None, str | None]]) -> jieba.Tokenizer:
    base = _base_tokenizer()
    tk = jieba.Tokenizer()
    tk.FREQ = dict(base.FREQ)
    tk.total = base.total
    tk.initialized = True
    for word, freq, tag in words:
        tk.add_word(word, freq, tag)
    return tk


class Analyzer:
    """Segment text with the KB's dictionary; drop stopwords; map synonyms and homophones to canonical terms."""

    def __init__(self, kb: KnowledgeBase):
        self.synonyms: Mapping[str, str] = MappingProxyType(dict(kb.synonyms))
        self.stopwords = frozenset(kb.stopwords) | DEFAULT_STOPWORDS
        domain = {w for w, _, _ in kb.dictionary}
        domain |= set(self.synonyms.values())
        words = list(kb.dictionary)
        # every synonym variant and canonical term must segment as one word
        extra = (set(self.synonyms) | set(self.synonyms.values()) | set(kb.crisis_terms)) - {w for w, _, _ in words}
        words += [(w, None, None) for w in sorted(extra) if len(w) > 1]
        words += [(w, None, None) for w in BUILTIN_WORDS if w not in self.stopwords]
        self._tk = _new_tokenizer(words)
        self.domain_terms = frozenset(domain)
        self._sound_map = self._build_sound_map(domain)
        # synonym variants that sound like their canonical term are typos: fix them before segmentation,
        # so that 摧收到家 becomes 催收到家 rather than 摧 / 收到 / 家
        self._typo_variants = {v: c for v, c in self.synonyms.items()
                               if len(v) == len(c) >= 2 and HAN_RE.match(v) and sound_key(v) == sound_key(c)}
        self._max_sound_len = max((len(w) for w in [*self._sound_map.values(), *self._typo_variants]), default=0)
        self._kb = kb

    @staticmethod
    def _build_sound_map(domain: Iterable[str]) -> dict[tuple[str, ...], str]:
        sound_map: dict[tuple[str, ...], str] = {}
        ambiguous: set[tuple[str, ...]] = set()
        domain = set(domain)
        for word in sorted(domain):
            if not (2 <= len(word) <= 4 and HAN_RE.match(word)):
                continue
            if any(word[:k] in domain for k in range(2, len(word))):
                continue  # 分期乐 is 分期 + 乐: "分期了" must stay 分期 + 了
            key = sound_key(word)
            if "" in key:
                continue
            if key in sound_map and sound_map[key] != word:
                ambiguous.add(key)
            sound_map[key] = word
        for key in ambiguous:
            del sound_map[key]
        return sound_map

    def fix_homophones(self, text: str) -> str:
        """Replace an unknown word that sounds like a domain term (正信 → 征信, 摧收 → 催收)."""
        if not self._max_sound_len:
            return text
        out: list[str] = []
        i, n = 0, len(text)
        freq = self._tk.FREQ
        edges: frozenset[int] | None = None  # jieba's cut, made only when some piece sounds like a domain term
        while i < n:
            replaced = False
            for length in range(min(self._max_sound_len, n - i), 1, -1):
                piece = text[i:i + length]
                if piece in self.domain_terms:
                    out.append(piece)
                    i += length
                    replaced = True
                    break
                if not HAN_RE.match(piece):
                    continue
                canonical = self._typo_variants.get(piece)
                if canonical is not None:
                    out.append(canonical)
                    i += length
                    replaced = True
                    break
                if freq.get(piece):
                    continue
                target = self._sound_map.get(sound_key(piece))
                if target is None:
                    continue
                if edges is None:
                    edges = self.word_edges(text)
                if i in edges and i + length in edges:
                    out.append(target)
                    i += length
                    replaced = True
                    break
            if not replaced:
                out.append(text[i])
                i += 1
        return "".join(out)

    def cut(self, text: str, hmm: bool = True) -> Iterator[str]:
        """Yield each piece of `text` in order, spaces too: numbers, amounts, Latin words whole, the rest by jieba."""
        for chunk in CHUNK_RE.split(text):
            if not chunk:
                continue
            if chunk.isspace() or NUMBER_RE.fullmatch(chunk) or LATIN_RE.fullmatch(chunk):
                yield chunk
            else:
                yield from self._tk.cut(chunk, HMM=hmm)

    def word_edges(self, text: str) -> frozenset[int]:
        """Return the offsets where the analyzer's own cut of `text` (jieba without HMM) starts or ends a word.

        A homophone fix may only replace whole words of that cut: 付利 in 支付利息 sounds like 复利, 方催收 in
        第三方催收 like 反催收 and 万商 in 40万商贷 like 网商, but the cut reads 支付 / 利息, 第三方 / 催收 and
        40万 / 商贷, so those pieces are not typos.
        """
        edges, at = {0}, 0
        for word in self.cut(text, hmm=False):
            at += len(word)
            edges.add(at)
        return frozenset(edges)

    def segment(self, text: str) -> list[str]:
        """Cut normalized text into words; numbers, amounts and Latin words stay whole."""
        return [w for w in self.cut(text) if w.strip()]

    @cached_property
    def latin_in_chinese(self) -> frozenset[str]:
        """Return the Latin words of the KB's Chinese phrasings and negatives (lpr, app, etf …).

        Not the English of all-Latin phrasings (what is this bot). Made on the first mixed message, so a start
        does not pay its ~20 ms.
        """
        kb = self._kb
        texts = [*(t for e in kb.entries for t in (e.question, *e.alternates)), *(n.text for n in kb.negatives)]
        return frozenset(w for text in texts if HAN_CHAR_RE.search(text) for w in LATIN_RE.findall(text.lower()))

    def drop_asides(self, normalized: str) -> str:
        """In a Chinese message, remove the Latin words no Chinese phrasing of the KB uses.

        "what are debt collectors not allowed to do 催收的红线有哪些" asks in Chinese; its English words are a
        translation or an aside, and would otherwise match the English chit-chat of the meta entries.
        """
        if not LATIN_RE.search(normalized) or len(HAN_CHAR_RE.findall(normalized)) < MIN_HAN_FOR_ASIDES:
            return normalized
        kept = LATIN_RE.sub(lambda m: m.group(0) if m.group(0) in self.latin_in_chinese else " ", normalized)
        return " ".join(kept.split())

    def analyze(self, normalized: str) -> tuple[str, tuple[str, ...]]:
        """Return the homophone-corrected text and its content words, canonicalized."""
        fixed = self.fix_homophones(self.drop_asides(normalized))
        out = []
        for word in self.segment(fixed):
            word = self.synonyms.get(word, word)
            if word in self.stopwords:
                continue
            out.append(word)
        return fixed, tuple(out)

    def tokens(self, normalized: str) -> tuple[str, ...]:
        """Return the content words of normalized text, canonicalized."""
        return self.analyze(normalized)[1]
