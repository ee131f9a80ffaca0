"""Normalise user text before it is redacted or stored, and build the digit view the number detectors read."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Chinese numerals as people spell out phone and card numbers: 一三八…, 幺三八… (幺 = 1), 壹叁捌…
CHINESE_DIGITS = {
    **dict.fromkeys("〇零", "0"), **dict.fromkeys("一壹幺", "1"), **dict.fromkeys("二贰貳", "2"),
    **dict.fromkeys("三叁參叄", "3"), **dict.fromkeys("四肆", "4"), **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆陸", "6"), **dict.fromkeys("七柒", "7"), **dict.fromkeys("八捌", "8"),
    **dict.fromkeys("九玖", "9"),
}
# characters people put between the digits of one number (after NFKC, so NBSP is already a space)
DIGIT_SEPARATORS = frozenset(" .,-_/·、\u2010\u2011\u2012\u2013\u2014\u2212\u30fb")
MAX_SEPARATOR_RUN = 3  # "138 - 1234" still joins; a sentence between two numbers does not
SURROGATE_RE = re.compile("[\ud800-\udfff]")


def fix_surrogates(text: str) -> str:
    """Replace lone surrogates (from a pasted traceback or a broken client) so the text can be encoded."""
    return SURROGATE_RE.sub("\ufffd", text)


# Control (Cc, except whitespace), format (Cf: zero-width, bidi, tags) and private-use (Co) characters
# carry no meaning worth storing; one character class keeps this a single linear pass.
DROP_RE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ue000-\uf8ff\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001-\U000e007f\U000f0000-\U0010ffff]"
)


def normalize_text(text: str) -> str:
    """NFKC, lone surrogates replaced, control and zero-width characters removed, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", fix_surrogates(str(text)))
    return " ".join(DROP_RE.sub("", folded).split())


def digit_of(ch: str) -> str | None:
    """The ASCII digit a character stands for (any Unicode decimal digit or a Chinese numeral), else None."""
    if "0" <= ch <= "9":
        return ch
    if ch in CHINESE_DIGITS:
        return CHINESE_DIGITS[ch]
    value = unicodedata.decimal(ch, None)
    return str(value) if value is not None else None


@dataclass(frozen=True)
class DigitView:
    """`text` with every digit-like character as an ASCII digit and separators inside digit runs removed.

    `origin[i]` is the index in the source text of view character i, so a span found in the view maps back.
    """

    text: str
    origin: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source span covered by view characters start..end-1."""
        return self.origin[start], self.origin[end - 1] + 1

    def solid(self, start: int, end: int) -> bool:
        """True when view characters start..end-1 were written without separators in the source."""
        return self.origin[end - 1] - self.origin[start] == end - start - 1


def digit_view(text: str) -> DigitView:
    """Build the digit view of already-normalised text (linear time)."""
    chars: list[str] = []
    origin: list[int] = []
    digits = [digit_of(ch) for ch in text]
    n = len(text)
    i = 0
    while i < n:
        d = digits[i]
        if d is not None:
            chars.append(d)
            origin.append(i)
            i += 1
            j = i
            while j < n and j - i < MAX_SEPARATOR_RUN and text[j] in DIGIT_SEPARATORS:
                j += 1
            if j > i and j < n and digits[j] is not None:
                i = j  # skip the separators between two digits
            continue
        chars.append(text[i])
        origin.append(i)
        i += 1
    return DigitView("".join(chars), tuple(origin))
