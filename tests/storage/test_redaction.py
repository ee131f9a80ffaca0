"""Identifiers are removed before storage; amounts, dates and short numbers survive."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from bot.storage.redact import CARD_TOKEN, EMAIL_TOKEN, ID_TOKEN, LANDLINE_TOKEN, PHONE_TOKEN, keyed_hash, redact


@pytest.mark.parametrize("text, token", [
    ("我的手机13812345678被泄露了", PHONE_TOKEN),
    ("电话 138-1234-5678", PHONE_TOKEN),
    ("电话 138 1234 5678", PHONE_TOKEN),
    ("+86 13912345678", PHONE_TOKEN),
    ("+86-199-8765-4321 请回电", PHONE_TOKEN),
    ("８６１３８１２３４５６７８", PHONE_TOKEN),  # full-width digits
    ("身份证11010119900307123X", ID_TOKEN),
    ("身份证号码 11010119900307123x 丢了", ID_TOKEN),
    ("身份证 110101 19900307 1234", ID_TOKEN),
    ("卡号6222021234567890", CARD_TOKEN),  # 16 digits
    ("卡号62220212345678901", CARD_TOKEN),  # 17
    ("卡号622202123456789012", CARD_TOKEN),  # 18 (not a valid ID date: still a card)
    ("卡号6222021234567890123", CARD_TOKEN),  # 19
    ("卡号 6222 0212 3456 7890", CARD_TOKEN),
    ("卡号 6222-0212-3456-7890-123", CARD_TOKEN),
    ("卡号 622202 1234 5678 9012", CARD_TOKEN),
    ("邮箱 zhang.san+debt@example.com.cn 联系我", EMAIL_TOKEN),
    ("发到 Li_Si99@qq.com", EMAIL_TOKEN),
    ("座机 010-62345678", LANDLINE_TOKEN),
    ("(0755)82345678", LANDLINE_TOKEN),
])
def test_identifier_is_replaced(text: str, token: str) -> None:
    out = redact(text)
    assert token in out
    assert not re.search(r"\d{7,}", out.replace(" ", "").replace("-", "")), out


def test_surrounding_text_is_kept_verbatim() -> None:
    text = "催收打我13812345678和我妈（13987654321），邮箱a@b.cn,怎么办?"
    assert redact(text) == f"催收打我{PHONE_TOKEN}和我妈（{PHONE_TOKEN}），邮箱{EMAIL_TOKEN},怎么办?"


def test_every_identifier_in_one_message() -> None:
    out = redact("手机13812345678 身份证11010119900307123X 卡6222021234567890123 邮箱x@y.com")
    assert out == f"手机{PHONE_TOKEN} 身份证{ID_TOKEN} 卡{CARD_TOKEN} 邮箱{EMAIL_TOKEN}"


@pytest.mark.parametrize("text", [
    "借了20000元还不上", "欠了7万", "欠了1.5万利息3600", "2024-03-15开始逾期", "20240315那天还的",
    "逾期3个月", "年化24%合法吗", "打12378投诉", "12348法律援助", "110", "一共186000", "2024年3月15日",
    "还了12期还剩24期", "利率0.05%", "订单 12345678901234", "1234 5678 9012",  # 14 and 12 digits
    "金额2000 5000 15000 3000",
])
def test_amounts_dates_and_short_numbers_are_not_redacted(text: str) -> None:
    assert redact(text) == text


WORDS = st.sampled_from(["元", "万", "年", "月", "日", "-", " ", "逾期", "还款"])


@given(st.lists(st.one_of(st.integers(0, 99_999_999).map(str), WORDS),
                max_size=12))
def test_text_without_long_digit_runs_is_unchanged(parts: list[str]) -> None:
    text = "".join(parts)
    if re.search(r"\d[\d \-]{9,}\d", text):  # could legitimately look like a phone, card or ID
        return
    assert redact(text) == text


@given(st.text(alphabet="逾期催收怎么办我的是号码 ,。", max_size=10), st.sampled_from("3456789"),
       st.integers(0, 999_999_999), st.text(alphabet="逾期催收怎么办我的 ,。", max_size=10))
def test_any_mobile_number_is_removed(prefix: str, second: str, rest: int, suffix: str) -> None:
    phone = f"1{second}{rest:09d}"
    out = redact(prefix + phone + suffix)
    assert phone not in out and PHONE_TOKEN in out


def test_keyed_hash_is_stable_secret_dependent_and_not_the_id() -> None:
    a = keyed_hash(123456789, "secret-1")
    assert a == keyed_hash("123456789", "secret-1")
    assert a != keyed_hash(123456789, "secret-2")
    assert "123456789" not in a
    with pytest.raises(ValueError):
        keyed_hash(1, "")
