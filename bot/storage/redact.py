"""Remove personal identifiers from user text before anything is stored (pure functions)."""
from __future__ import annotations

import hashlib
import hmac
import re

EMAIL_TOKEN = "[邮箱]"
ID_TOKEN = "[身份证号]"
CARD_TOKEN = "[银行卡号]"
PHONE_TOKEN = "[手机号]"
LANDLINE_TOKEN = "[电话]"

# Digits are matched only as whole runs: (?<!\d) … (?!\d) keeps 20000, 7万, 2024-03-15, 20240315, 12378 intact.
# Full-width digits and separators are folded to ASCII first (see _fold) so "１３８…" is caught too.
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# 18-digit resident ID: 6-digit region, birth date 18xx/19xx/20xx-MM-DD, 3-digit sequence, check digit 0-9 or X;
# editors' spacing "110101 19900307 123X" is accepted.
ID18_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}[ \-]?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ \-]?\d{3}[0-9Xx]"
    r"(?![0-9A-Za-z])"
)
# first-generation 15-digit ID: region + YYMMDD + 3-digit sequence
ID15_RE = re.compile(r"(?<!\d)[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)")
# bank cards: 16–19 digits written solid, or in groups of four (the first group may have 6) split by spaces/dashes
CARD_SOLID_RE = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
CARD_GROUPED_RE = re.compile(r"(?<![\d\-])(?:\d{4}|\d{6})(?:[ \-]\d{4}){2,4}(?:[ \-]\d{1,4})?(?![\d])")
# mainland mobile: optional +86/0086/86, then 1[3-9]x xxxx xxxx with optional spaces/dashes between groups
PHONE_RE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)")
# landline with area code: 010-12345678, (0755)1234567, 021 87654321
LANDLINE_RE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3}[ \-])\s?[2-9]\d{6,7}(?!\d)")

_FOLD = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "－": "-", "　": " ", "＋": "+",
                       "（": "(", "）": ")", "＠": "@", "ｘ": "x", "Ｘ": "X"})


def _fold(text: str) -> str:
    """Map full-width digits and separators to ASCII so the patterns see one alphabet."""
    return text.translate(_FOLD)


PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (EMAIL_RE, EMAIL_TOKEN),
    (ID18_RE, ID_TOKEN),
    (CARD_SOLID_RE, CARD_TOKEN),
    (CARD_GROUPED_RE, CARD_TOKEN),
    (ID15_RE, ID_TOKEN),
    (PHONE_RE, PHONE_TOKEN),
    (LANDLINE_RE, LANDLINE_TOKEN),
)


def _accept(pattern: re.Pattern[str], found: str) -> bool:
    if pattern is CARD_GROUPED_RE:
        return 16 <= sum(c.isdigit() for c in found) <= 19
    return True


def find_identifiers(text: str) -> tuple[tuple[int, int, str], ...]:
    """Spans (start, end, placeholder) of every identifier, earlier patterns winning overlaps."""
    folded = _fold(text)  # one character for one character: spans stay valid for `text`
    spans: list[tuple[int, int, str]] = []
    for pattern, token in PATTERNS:
        for m in pattern.finditer(folded):
            start, end = m.span()
            if _accept(pattern, m.group(0)) and not any(s < end and start < e for s, e, _ in spans):
                spans.append((start, end, token))
    return tuple(sorted(spans))


def redact(text: str) -> str:
    """Replace e-mail addresses, ID-card, bank-card, mobile and landline numbers with placeholders."""
    if not text:
        return text
    out: list[str] = []
    pos = 0
    for start, end, token in find_identifiers(text):
        out += [text[pos:start], token]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def keyed_hash(value: str | int, secret: str) -> str:
    """A stable pseudonym for a user id (HMAC-SHA256 with Settings.hash_secret); never keep the raw id."""
    if not secret:
        raise ValueError("keyed_hash needs a non-empty secret (XINZHI_HASH_SECRET)")
    return hmac.new(secret.encode("utf-8"), str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:32]
