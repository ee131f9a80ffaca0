"""Terminal wrapping: CJK is two columns, Latin words stay whole, punctuation never starts a line."""
from __future__ import annotations

import re

from hypothesis import given, strategies as st

from bot.console.termwrap import display_width, wrap, wrap_line

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_display_width() -> None:
    assert display_width("信用卡") == 6
    assert display_width("abc") == 3
    assert display_width("12378热线") == 9
    assert display_width("👍") == 2
    assert display_width("e\u0301") == 1  # combining accent
    assert display_width("\x1b[1m粗体\x1b[0m") == 4
    assert display_width("\uff0c") == 2  # full-width comma
    assert display_width(",") == 1


def test_chinese_fills_lines_to_the_width() -> None:
    text = "一二三四五六七八九十" * 3
    assert wrap(text, 20).split("\n") == ["一二三四五六七八九十"] * 3
    assert wrap(text, 21).split("\n") == ["一二三四五六七八九十"] * 3  # a CJK char never straddles the edge


def test_latin_words_and_numbers_are_not_broken() -> None:
    out = wrap("请访问 internationalization 网站,或者拨打 12348 热线 hello world 3.5万", 24)
    lines = out.split("\n")
    assert all(display_width(line) <= 24 for line in lines)
    assert any("internationalization" in line for line in lines)
    assert any("12348" in line for line in lines) and any("3.5万" in line for line in lines)
    assert not any(line.endswith(("hel", "inter")) for line in lines)


def test_a_word_longer_than_the_line_is_cut() -> None:
    lines = wrap_line("x" * 25, 10)
    assert lines == ["x" * 10, "x" * 10, "x" * 5]


def test_closing_punctuation_stays_with_its_word() -> None:
    for comma, stop in (("\uff0c", "\u3002"), (",", ".")):  # full-width and the ASCII the KB often uses
        lines = wrap(f"一二三四五六七八九{comma}十一二三{stop}", 18).split("\n")
        assert lines[0] == "一二三四五六七八" and lines[1].startswith(f"九{comma}"), lines


def test_opening_quote_stays_with_what_it_opens() -> None:
    for text in ("一二三四五六七\u201c催收\u201d", "一二三四五六七\u300a民法典\u300b", "一二三四五六七(2020年)"):
        lines = wrap(text, 16).split("\n")
        assert lines[0] == "一二三四五六七" and lines[1] == text[7:], lines


def test_numbered_items_get_a_hanging_indent() -> None:
    out = wrap("1. 进门:住宅受法律保护,你有权不开门、不让人进。", 20)
    lines = out.split("\n")
    assert lines[0].startswith("1. ") and all(line.startswith("   ") for line in lines[1:])
    assert "".join(line.strip() for line in lines) == "1. 进门:住宅受法律保护,你有权不开门、不让人进。"


def test_no_width_means_no_wrapping() -> None:
    text = "很长的一句话" * 30
    assert wrap(text, None) == text and wrap(text, 0) == text


@given(st.lists(st.sampled_from(["信用卡", "逾期", "\uff0c", "\u3002", ",", "hello", "12378", " ", "\u201c", "\u201d",
                                 "征信报告", "a.b", "\x1b[1m", "\x1b[0m"]), max_size=40),
       st.integers(min_value=4, max_value=60))
def test_wrapping_keeps_every_character_and_the_width(parts: list[str], width: int) -> None:
    text = "".join(parts)
    lines = wrap(text, width).split("\n")
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(display_width(line) <= width for line in lines)


@given(st.lists(st.sampled_from(["信用卡", "逾期", "\uff0c", ",", "hello", "12378", " ", "\u201c", "\u201d", "ab",
                                 "\x1b[1m", "\x1b[0m", "\x1b[2m"]), max_size=40),
       st.integers(min_value=4, max_value=60))
def test_colour_codes_never_change_where_lines_break(parts: list[str], width: int) -> None:
    coloured = "".join(parts)
    plain = ANSI.sub("", coloured)
    assert ANSI.sub("", wrap(coloured, width)) == wrap(plain, width)
