"""Identifiers are removed before storage in every format people write them; amounts, dates and hotlines survive."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from bot.storage.redact import (ADDRESS_TOKEN, CARD_TOKEN, EMAIL_TOKEN, ID_TOKEN, LANDLINE_TOKEN, NAME_TOKEN,
                                NUMBER_TOKEN, PASSPORT_TOKEN, PHONE_TOKEN, PLATE_TOKEN, QQ_TOKEN, WECHAT_TOKEN,
                                keyed_hash, luhn, redact, redact_for_storage, valid_id18)
from bot.storage.textnorm import CHINESE_DIGITS, digit_of, normalize_text

ID_NUMBER = "110101199003071233"  # GB 11643 check character 3
ID_NUMBER_X = "11010519491231002X"
CARD = "6222021234567894"  # Luhn-valid, 16 digits
CARD_19 = "6228480012345678903"  # Luhn-valid, 19 digits

IDENTIFIERS = [
    # mobiles, plain and in every separator the issue lists
    ("我的手机13812345678被泄露了", PHONE_TOKEN),
    ("电话 138-1234-5678", PHONE_TOKEN),
    ("电话 138 1234 5678", PHONE_TOKEN),
    ("电话 138\u00a01234\u00a05678", PHONE_TOKEN),  # NBSP
    ("电话 138\t1234\t5678", PHONE_TOKEN),
    ("电话 138\n1234\n5678", PHONE_TOKEN),
    ("电话 138.1234.5678", PHONE_TOKEN),
    ("电话 138–1234–5678", PHONE_TOKEN),  # en dash
    ("电话 138,1234,5678", PHONE_TOKEN),
    ("电话 138，1234，5678", PHONE_TOKEN),  # full-width comma
    ("电话 1\u200b3\u200b8\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8", PHONE_TOKEN),  # zero-width
    ("电话 138\u200d1234\u2060 5678", PHONE_TOKEN),
    ("电话 138 123 45678", PHONE_TOKEN),  # 3-3-5
    ("+86 13912345678", PHONE_TOKEN),
    ("+86-199-8765-4321 请回电", PHONE_TOKEN),
    ("0086 138 1234 5678", PHONE_TOKEN),
    ("８６１３８１２３４５６７８", PHONE_TOKEN),  # full-width digits
    # mobiles in Chinese numerals and other Unicode digits
    ("我的手机一三八一二三四五六七八", PHONE_TOKEN),
    ("幺三八幺二三四五六七八", PHONE_TOKEN),
    ("壹叁捌壹贰叁肆伍陆柒捌", PHONE_TOKEN),
    ("一三八 一二三四 五六七八", PHONE_TOKEN),
    ("①③⑧①②③④⑤⑥⑦⑧", PHONE_TOKEN),
    ("𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", PHONE_TOKEN),  # mathematical bold
    ("١٣٨١٢٣٤٥٦٧٨", PHONE_TOKEN),  # Arabic-Indic digits
    ("加我vx13812345678", WECHAT_TOKEN),
    # ID numbers
    (f"身份证{ID_NUMBER}", ID_TOKEN),
    (f"身份证号码 {ID_NUMBER_X.lower()} 丢了", ID_TOKEN),
    (f"身份证号码 {ID_NUMBER_X}", ID_TOKEN),
    ("身份证 110101 19900307 1233", ID_TOKEN),  # with spaces
    ("身份证 110101-19900307-1233", ID_TOKEN),
    ("身份证 1101 0119 9003 0712 33", ID_TOKEN),
    ("老身份证110101900307123", ID_TOKEN),  # 15 digits
    # cards
    (f"卡号{CARD}", CARD_TOKEN),
    (f"卡号{CARD_19}", CARD_TOKEN),
    ("卡号62220212345678901", CARD_TOKEN),  # 17 solid digits: redacted even if it fails Luhn
    ("卡号 6222 0212 3456 7890", CARD_TOKEN),
    ("卡号 6222-0212-3456-7890-123", CARD_TOKEN),
    ("卡号 622202 1234 5678 9012", CARD_TOKEN),
    ("卡号 6222.0212.3456.7894", CARD_TOKEN),  # dots
    ("卡号 62220 2123456 789 4", CARD_TOKEN),  # uneven groups (Luhn-valid)
    ("卡号 6228 48001 2345678 903", CARD_TOKEN),
    ("卡号 ６２２２ ０２１２ ３４５６ ７８９４", CARD_TOKEN),
    # long digit runs
    ("账号 1234567890123456789012", NUMBER_TOKEN),
    # landlines, with and without a dash
    ("座机 010-62345678", LANDLINE_TOKEN),
    ("座机 01062345678", LANDLINE_TOKEN),
    ("座机 010 6234 5678", LANDLINE_TOKEN),
    ("(0755)82345678", LANDLINE_TOKEN),
    ("0755 82345678", LANDLINE_TOKEN),
    ("+86 10 6234 5678", LANDLINE_TOKEN),
    # e-mail, ASCII and internationalised
    ("邮箱 zhang.san+debt@example.com.cn 联系我", EMAIL_TOKEN),
    ("发到 Li_Si99@qq.com", EMAIL_TOKEN),
    ("发到 li@münchen.de", EMAIL_TOKEN),
    ("发到 zhang@例子.中国", EMAIL_TOKEN),
    ("发到 张三@例子.中国", EMAIL_TOKEN),
    ("发到 user@xn--fsqu00a.xn--fiqs8s", EMAIL_TOKEN),
    ("发到 ＬＩ＠ＱＱ．ＣＯＭ", EMAIL_TOKEN),  # full-width
    # labelled personal data
    ("我叫张三丰,欠了网贷", NAME_TOKEN),
    ("姓名:李四", NAME_TOKEN),
    ("姓名：王小明", NAME_TOKEN),
    ("户名 赵六", NAME_TOKEN),
    ("我叫 Zhang Wei", NAME_TOKEN),
    ("住址:北京市朝阳区建国路88号,怎么办", ADDRESS_TOKEN),
    ("地址是上海市浦东新区世纪大道100号", ADDRESS_TOKEN),
    ("微信号 zhangsan_88", WECHAT_TOKEN),
    ("vx: abc12345", WECHAT_TOKEN),
    ("VX abc12345", WECHAT_TOKEN),
    ("QQ 123456789", QQ_TOKEN),
    ("qq号:12345678", QQ_TOKEN),
    ("扣扣 一二三四五六七八九", QQ_TOKEN),
    ("车牌 京A12345", PLATE_TOKEN),
    ("车牌号是沪a·b1234", PLATE_TOKEN),
    ("粤B·D12345被拖走了", PLATE_TOKEN),
    ("护照 E12345678", PASSPORT_TOKEN),
    ("护照号码:G12345678", PASSPORT_TOKEN),
]

SECRETS = {
    PHONE_TOKEN: r"\d{7,}", LANDLINE_TOKEN: r"\d{7,}", ID_TOKEN: r"\d{7,}", CARD_TOKEN: r"\d{7,}",
    NUMBER_TOKEN: r"\d{7,}", QQ_TOKEN: r"\d{5,}", PASSPORT_TOKEN: r"\d{6,}",
    EMAIL_TOKEN: r"@", NAME_TOKEN: r"张三|李四|王小明|赵六|Zhang", ADDRESS_TOKEN: r"朝阳区|浦东",
    WECHAT_TOKEN: r"zhangsan|abc1|\d{7,}", PLATE_TOKEN: r"12345|1234",
}


def digits_only(text: str) -> str:
    return "".join(d for ch in text if (d := digit_of(ch)) is not None) if text else ""


@pytest.mark.parametrize("text, token", IDENTIFIERS)
def test_identifier_is_replaced(text: str, token: str) -> None:
    out = redact(text)
    assert token in out, out
    assert not re.search(SECRETS[token], digits_only(out) if r"\d" in SECRETS[token] else out), out


# Everything here must come through exactly as written (the 17, plus every official hotline).
UNCHANGED = [
    "借了20000元还不上", "欠了7万", "欠了1.5万利息3600", "2024-03-15开始逾期", "20240315那天还的",
    "逾期3个月", "年化24%合法吗", "打12378投诉", "12348法律援助", "110", "一共186000", "2024年3月15日",
    "还了12期还剩24期", "利率0.05%", "订单 12345678901234", "1234 5678 9012",  # 14 and 12 digits
    "金额2000 5000 15000 3000",
    "打 12378、12363、12348、12368 都可以", "心理援助 12356", "报警110,急救120", "反诈 96110",
    "公积金 12329", "交通 12386", "税务 12366", "消费者 12315", "12378 12363 12348 12368 12356",
    "一下子借了三万", "我叫他还钱", "欠了两万八", "2024/03/15 到 2024/06/30", "分36期,每期3000",
    "一二三月都没还", "年利率 36%,日息 0.1%", "借了 7 万 5 千",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_amounts_dates_and_hotlines_are_not_redacted(text: str) -> None:
    assert redact(text) == text


def test_surrounding_text_is_kept_verbatim() -> None:
    text = "催收打我13812345678和我妈（13987654321），邮箱a@b.cn,怎么办?"
    # NFKC turns the full-width brackets and comma into ASCII; nothing else changes
    assert redact(text) == f"催收打我{PHONE_TOKEN}和我妈({PHONE_TOKEN}),邮箱{EMAIL_TOKEN},怎么办?"


def test_every_identifier_in_one_message() -> None:
    out = redact(f"手机13812345678 身份证{ID_NUMBER} 卡{CARD_19} 邮箱x@y.com")
    assert out == f"手机{PHONE_TOKEN} 身份证{ID_TOKEN} 卡{CARD_TOKEN} 邮箱{EMAIL_TOKEN}"


def test_checksums_follow_the_standards() -> None:
    assert valid_id18(ID_NUMBER) and valid_id18(ID_NUMBER_X) and valid_id18(ID_NUMBER_X.lower())
    assert not valid_id18("110101199003071234") and not valid_id18("110101199013071233")  # check digit, month
    assert luhn(CARD) and luhn(CARD_19) and not luhn("6222021234567890")


def test_a_grouped_number_that_is_neither_a_card_nor_an_id_survives() -> None:
    text = "订单 6222 02123 4567 8901"  # uneven groups, fails Luhn
    assert not luhn("6222021234567890" + "1"[:0]) and redact(text) == text


def test_control_and_zero_width_characters_are_removed_and_whitespace_collapsed() -> None:
    assert redact("催收\x1b]0;pwn\x07\u200b 打 \t\n电话") == "催收]0;pwn 打 电话"


def test_lone_surrogates_are_replaced() -> None:
    out = redact("回溯 \udcff 13812345678")
    assert out == f"回溯 \ufffd {PHONE_TOKEN}"
    out.encode("utf-8")


SEPARATORS = st.sampled_from([" ", "\u00a0", "\t", "\n", ".", "-", "–", ",", "\u200b", "\u3000", "·", "/", ""])


@settings(derandomize=True, max_examples=300)
@given(st.sampled_from("3456789"), st.integers(0, 999_999_999), st.lists(SEPARATORS, min_size=10, max_size=10),
       st.sampled_from(["ascii", "chinese", "fullwidth", "circled"]),
       st.text(alphabet="逾期催收怎么办我的是号码 ,。", max_size=8), st.text(alphabet="逾期催收怎么办我的,。", max_size=8))
def test_any_mobile_number_in_any_spelling_is_removed(second: str, rest: int, seps: list[str], script: str,
                                                      prefix: str, suffix: str) -> None:
    digits = f"1{second}{rest:09d}"
    spell = {
        "ascii": str, "fullwidth": lambda d: chr(0xFF10 + int(d)), "circled": lambda d: "⓪①②③④⑤⑥⑦⑧⑨"[int(d)],
        "chinese": lambda d: "零一二三四五六七八九"[int(d)],
    }[script]
    written = spell(digits[0]) + "".join(sep + spell(d) for sep, d in zip(seps, digits[1:]))
    out = redact(prefix + written + suffix)
    assert digits not in digits_only(out), out
    assert PHONE_TOKEN in out or LANDLINE_TOKEN in out or NAME_TOKEN in out


WORDS = st.sampled_from(["元", "万", "年", "月", "日", "-", " ", "逾期", "还款", "%", "期"])


@settings(derandomize=True)
@given(st.lists(st.one_of(st.integers(0, 99_999_999).map(str), WORDS), max_size=12))
def test_text_without_long_digit_runs_is_unchanged(parts: list[str]) -> None:
    text = "".join(parts)
    if re.search(r"\d[\d \-]{6,}\d", text):  # could legitimately look like a phone, card or ID
        return
    assert redact(text) == normalize_text(text)  # only whitespace is collapsed


def test_chinese_numerals_in_ordinary_words_are_kept() -> None:
    assert set(CHINESE_DIGITS) >= {"一", "幺", "壹", "〇"}
    text = "一直在还,三个月后一次性还清,七万八千"
    assert redact(text) == text


# --- storage window: cut before any pattern runs -------------------------------------------------

def test_storage_redaction_reads_a_bounded_window() -> None:
    head = "我欠了很多钱怎么办" * 100  # 900 characters
    tail = "a" * 5_000_000 + "@" + "b" * 1000  # would take minutes with a quadratic e-mail pattern
    assert redact_for_storage(head + tail, 500) == redact_for_storage(head, 500) == head[:500]


def test_an_identifier_cut_by_the_window_is_never_kept_in_part() -> None:
    for pad in range(480, 1400, 37):  # the number lands before, across and after every cut
        text = "啊" * pad + "13812345678" + "啊" * 3000
        out = redact_for_storage(text, 500)
        assert len(out) <= 500 and "1381" not in out and "5678" not in out, pad


def test_many_identifiers_before_the_cut_do_not_pull_a_fragment_in() -> None:
    text = "x@y.com " * 120 + "13812345678" + "啊" * 100
    out = redact_for_storage(text, 500)
    assert "1381" not in out and "5678" not in out


def test_keyed_hash_is_stable_secret_dependent_and_not_the_id() -> None:
    a = keyed_hash(123456789, "secret-1")
    assert a == keyed_hash("123456789", "secret-1")
    assert a != keyed_hash(123456789, "secret-2")
    assert "123456789" not in a
    with pytest.raises(ValueError):
        keyed_hash(1, "")
