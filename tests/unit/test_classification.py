"""Classification codes (功能分类 3/5/7, 经济分类 3/5) and the closed vocabularies."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tracker.domain import classification as cls
from tracker.domain.errors import InvalidInputError

# ------------------------------------------------------------------ functional codes


@pytest.mark.parametrize("code", ["210", "21015", "2101501", "2080501"])
def test_accepts_functional_codes_of_three_five_and_seven_digits(code: str) -> None:
    assert cls.functional_code(code) == code


def test_functional_code_is_trimmed() -> None:
    assert cls.functional_code(" 2101501 ") == "2101501"


@pytest.mark.parametrize("code", ["21", "2101", "210150", "21015011", "21O15", "2101-01", ""])
def test_refuses_functional_codes_of_other_lengths_or_characters(code: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        cls.functional_code(code)
    assert caught.value.field == "功能分类科目"
    assert "3、5、7" in caught.value.message


def test_functional_refusal_uses_the_callers_field() -> None:
    with pytest.raises(InvalidInputError) as caught:
        cls.functional_code("12", field="支出功能分类")
    assert caught.value.field == "支出功能分类"


@pytest.mark.parametrize(
    ("check", "code", "ascii_code"),
    [
        (cls.functional_code, "２１０１５", "21015"),
        (cls.functional_code, "٢١٠", "210"),
        (cls.economic_code, "３０２", "302"),
    ],
)
def test_non_ascii_digits_are_refused_or_normalised(
    check: Callable[[str], str], code: str, ascii_code: str
) -> None:
    try:
        result = check(code)
    except InvalidInputError:
        return
    assert result == ascii_code


# ------------------------------------------------------------------ economic codes


@pytest.mark.parametrize("code", ["302", "30201", "30212", "31013", "301"])
def test_accepts_economic_codes_of_three_and_five_digits(code: str) -> None:
    assert cls.economic_code(code) == code


@pytest.mark.parametrize("code", ["30", "3020", "3020101", "302011", "30a01", ""])
def test_refuses_economic_codes_of_other_lengths(code: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        cls.economic_code(code)
    assert caught.value.field == "经济分类科目"
    assert "3、5" in caught.value.message


# ------------------------------------------------------------------ the class tree


@pytest.mark.parametrize(
    ("code", "parent"),
    [("2101501", "21015"), ("21015", "210"), ("210", None), ("30201", "302"), ("302", None)],
)
def test_parent_code_is_the_prefix_one_level_up(code: str, parent: str | None) -> None:
    assert cls.parent_code(code) == parent


@pytest.mark.parametrize(
    ("child", "parent", "expected"),
    [
        ("2101501", "210", True),
        ("2101501", "21015", True),
        ("2101501", "2101501", True),
        ("21015", "210", True),
        ("2111501", "210", False),
        ("2102501", "21015", False),
        ("210", "21015", False),
        ("30201", "302", True),
        ("30101", "302", False),
    ],
)
def test_is_child_of_follows_the_prefix_tree(child: str, parent: str, expected: bool) -> None:
    assert cls.is_child_of(child, parent) is expected


@pytest.mark.parametrize(
    ("code", "personnel"),
    [
        ("301", True),
        ("30101", True),
        ("303", True),
        ("30302", True),
        ("302", False),
        ("30201", False),
        ("310", False),
        ("30217", False),
    ],
)
def test_personnel_spending_is_economic_classes_301_and_303(code: str, personnel: bool) -> None:
    assert cls.is_personnel_economic(code) is personnel


# ------------------------------------------------------------------ expenditure type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("项目支出", cls.PROJECT_SPENDING),
        ("基本支出-人员经费", cls.PERSONNEL),
        ("基本支出-公用经费", cls.OPERATING),
        ("人员经费", cls.PERSONNEL),
        ("公用经费", cls.OPERATING),
        ("日常公用经费", cls.OPERATING),
        ("基本支出·人员经费", cls.PERSONNEL),
        ("基本支出—公用经费", cls.OPERATING),
        (" 基本支出 - 人员经费 ", cls.PERSONNEL),
    ],
)
def test_expenditure_type_accepts_its_usual_spellings(text: str, expected: str) -> None:
    assert cls.expenditure_type(text) == expected
    assert expected in cls.EXPENDITURE_TYPES


@pytest.mark.parametrize("text", ["基本支出", "项目", "其他支出", "", "personnel"])
def test_refuses_unknown_or_ambiguous_expenditure_types(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        cls.expenditure_type(text)
    assert caught.value.field == "支出类型"
    assert "项目支出" in caught.value.message  # lists the choices


# ------------------------------------------------------------------ funding source


@pytest.mark.parametrize("source", cls.FUNDING_SOURCES)
def test_accepts_every_listed_funding_source(source: str) -> None:
    assert cls.funding_source(f" {source} ") == source


@pytest.mark.parametrize("text", ["财政拨款", "一般公共预算", "自筹资金", "", "上年结余"])
def test_refuses_funding_sources_that_are_not_listed(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        cls.funding_source(text)
    assert caught.value.field == "资金来源"
    assert "一般公共预算财政拨款" in caught.value.message


def test_funding_source_refusal_uses_the_callers_field() -> None:
    with pytest.raises(InvalidInputError) as caught:
        cls.funding_source("自筹资金", field="支付资金来源")
    assert caught.value.field == "支付资金来源"
    assert str(caught.value).startswith("支付资金来源：")


def test_default_source_is_a_listed_source() -> None:
    assert cls.DEFAULT_SOURCE in cls.FUNDING_SOURCES
