"""Input hygiene in the domain: what every door reads and refuses alike.

Amounts typed by a Chinese input method (full-width digits and separators) read as
their ASCII forms; ``1_000``, digits of other scripts and control characters are
refused naming the field; ``+5``, ``.5`` and ``100.`` read as written (README, 规则).
Stored text is printed with its control characters made visible.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.characters import fold_width, is_control, json_visible, visible
from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_code, parse_note, parse_status_rule, parse_text
from tracker.domain.money import parse_amount
from tracker.domain.plan import parse_plan

CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\u2066", "\u200f"]
FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)} | {",": "，", ".": "．"}


def refusal(parse: object, *args: object, **kwargs: object) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        parse(*args, **kwargs)  # type: ignore[operator]
    return caught.value


# ------------------------------------------------------------------ amounts


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1_000", "下划线"),
        ("1_000.00", "下划线"),
        ("٣", "非阿拉伯数字"),
        ("١٠٠", "非阿拉伯数字"),
        ("१००", "非阿拉伯数字"),
        ("²", "非阿拉伯数字"),
        ("①", "非阿拉伯数字"),
        ("100\x1b[31m", "控制字符"),
        ("100\n", "控制字符"),
        ("\u202e001", "控制字符"),
        ("1e3", "科学计数法"),
        ("1 000", "不是有效的金额"),
        ("++5", "不是有效的金额"),
        ("5-", "不是有效的金额"),
        ("NaN", "不是有效的金额"),
        ("Infinity", "不是有效的金额"),
        (".", "不是有效的金额"),
        ("1,2", "逗号"),
    ],
)
def test_an_amount_with_foreign_digits_underscores_or_controls_is_refused_naming_the_field(
    text: str, words: str
) -> None:
    error = refusal(parse_amount, text, field="金额")
    assert error.field == "金额"
    assert words in error.message
    assert "\x1b" not in error.message  # the typed text is echoed visibly, never raw


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１００", "100.00"),
        ("１,０００", "1000.00"),
        ("１，０００", "1000.00"),
        ("１２．５", "12.50"),
        ("１２３，４５６．７８", "123456.78"),
        ("\u3000１００\u3000", "100.00"),
        ("+5", "5.00"),
        (".5", "0.50"),
        ("100.", "100.00"),
        ("＋５", "5.00"),
    ],
)
def test_full_width_forms_and_the_plain_shorthands_read_as_documented(text: str, expected: str) -> None:
    assert str(parse_amount(text)) == expected


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2))
def test_the_full_width_form_of_any_valid_amount_reads_as_the_ascii_amount(amount: Decimal) -> None:
    ascii_text = f"{amount:,.2f}"
    typed = "".join(FULL_WIDTH.get(ch, ch) for ch in ascii_text)
    assert parse_amount(typed) == parse_amount(ascii_text) == amount


def test_a_plan_and_a_threshold_follow_the_same_number_rules() -> None:
    assert parse_plan("１２－３１：１００％", 2024)[-1].percent == Decimal(100)
    assert refusal(parse_plan, "12-31:1_00%", 2024).field == "资金支出计划"
    assert refusal(parse_plan, "١٢-٣١:100%", 2024).field == "资金支出计划"
    assert refusal(parse_status_rule, "ratio", "٨٠").field == "黄色阈值"
    assert parse_status_rule("ratio", "８０").yellow == Decimal(80)


# --------------------------------------------------------------------- text


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_free_text_is_refused_naming_the_field(control: str) -> None:
    error = refusal(parse_text, f"某{control}公司", "收款人")
    assert error.field == "收款人"
    assert f"U+{ord(control):04X}" in error.message


@given(
    st.text(max_size=20),
    st.sampled_from([*CONTROLS, "\t", "\r", "\x01", "\x9f", "\ud800"]),
    st.text(max_size=20),
)
def test_any_text_holding_a_control_character_is_refused_by_parse_text(
    before: str, control: str, after: str
) -> None:
    with pytest.raises(InvalidInputError):
        parse_text(before + control + after, "收款人", required=False)


@given(st.text(st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=40))
def test_text_without_controls_is_kept_trimmed(text: str) -> None:
    if any(is_control(ch) for ch in text):  # the bidi marks are Cf
        return
    assert parse_text(text, "备注", required=False, limit=1000) == text.strip()


def test_line_breaks_pass_only_where_the_box_has_several_lines() -> None:
    assert parse_text("第一行\n第二行\t完", "原因", lines=True) == "第一行\n第二行\t完"
    assert refusal(parse_text, "第一行\n第二行", "收款人").field == "收款人"
    assert refusal(parse_text, "第一行\x1b[2J", "原因", lines=True).field == "原因"
    assert parse_note("保留\n原样 ") == "保留\n原样 "
    assert refusal(parse_note, "备注\x00").field == "备注"


@pytest.mark.parametrize("code", [" P001", "P001 ", "P001\n", "\tP001", "P0\x1b01", "P 001", "P001\u3000"])
def test_a_code_with_surrounding_whitespace_or_a_control_is_refused_not_trimmed(code: str) -> None:
    error = refusal(parse_code, code, "项目编码")
    assert error.field == "项目编码"


def test_a_clean_code_is_returned_as_typed() -> None:
    assert parse_code("13062124P00495310005H", "项目编码") == "13062124P00495310005H"


# ---------------------------------------------------------------- rendering


def test_control_characters_are_shown_as_escapes_and_nothing_else_changes() -> None:
    assert visible("\x1b[31m红色公司\x1b[0m") == "\\x1b[31m红色公司\\x1b[0m"
    assert visible("某\u202e司公") == "某\\u202e司公"
    assert visible("a\nb") == "a\\nb"
    assert visible("a\nb\x9b", lines=True) == "a\nb\\x9b"
    assert visible("普通文字 １００") == "普通文字 １００"


@given(st.text(max_size=40))
def test_visible_text_never_holds_a_control_character(text: str) -> None:
    assert not any(is_control(ch) for ch in visible(text))


@given(st.text(max_size=40))
def test_json_made_visible_is_the_same_json(text: str) -> None:
    dumped = json_visible(json.dumps({"payee": text}, ensure_ascii=False, indent=2))
    assert json.loads(dumped) == {"payee": text}
    assert not any(is_control(ch) for ch in dumped.replace("\n", ""))


def test_only_full_width_ascii_forms_fold() -> None:
    assert fold_width("１００，５０．％\u3000") == "100,50.% "
    assert fold_width("①²٣") == "①²٣"


def test_a_unit_word_the_caller_reads_is_not_taken_for_a_numeral() -> None:
    from tracker.domain.characters import typed_number

    assert typed_number("06-30:７万", "资金支出计划", units="万") == "06-30:7万"
    with pytest.raises(InvalidInputError, match="万"):
        typed_number("７万", "金额")
