"""Every target text (指标值) written in the five seeds, and how it is understood.

The rows are typed in here from the seed documents (the seeds themselves are never
read by tests). Each seed is parsed with its own fiscal year, so year-less deadlines
(``12月底前完成``) land on that year's end.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.indicator import (
    AT_LEAST,
    AT_MOST,
    DEADLINE,
    EQUAL,
    KINDS,
    LEVEL1,
    LEVEL2,
    NOT_APPLICABLE,
    QUALITATIVE,
    UNIT_LEVEL1,
    UNIT_LEVEL2,
    check_levels,
    parse_actual,
    parse_target,
    target_from_columns,
)

YEAR = {"000": 2024, "001": 2023, "002": 2024, "003": 2024, "004": 2022}
D = Decimal
Q = QUALITATIVE
NA = NOT_APPLICABLE


def end(year: int, month: int = 12) -> dt.date:
    return dt.date(year, month, 31 if month == 12 else 30)


# (seed, text as written, kind, value, unit, deadline)
SEED_TARGETS = [
    # 000 和政县医疗保障局 2024: unit-level table
    ("000", "100.00%", EQUAL, D(100), "%", None),
    ("000", "规范", Q, None, None, None),
    ("000", "健全", Q, None, None, None),
    ("000", "及时", Q, None, None, None),
    ("000", "10935人", EQUAL, D(10935), "人", None),
    ("000", "215400人", EQUAL, D(215400), "人", None),
    ("000", "1017万元", EQUAL, D(10_170_000), "元", None),
    ("000", "12766万元", EQUAL, D(127_660_000), "元", None),
    ("000", "全面完成", Q, None, None, None),
    ("000", "≥93%", AT_LEAST, D(93), "%", None),
    ("000", "≥90%", AT_LEAST, D(90), "%", None),
    # 000: project 医疗服务与保障能力提升补助资金
    ("000", "27万元", EQUAL, D(270_000), "元", None),
    ("000", "无", NA, None, None, None),
    ("000", "无生态成本", NA, None, None, None),
    ("000", "逐步推开", Q, None, None, None),
    ("000", "按时按要求落实和执行医药价格政策", Q, None, None, None),
    ("000", "≥99%", AT_LEAST, D(99), "%", None),
    ("000", "显著提升", Q, None, None, None),
    ("000", "明显提高", Q, None, None, None),
    ("000", "按时按要求落实和执行医药招标采购政策", Q, None, None, None),
    ("000", "≥95%", AT_LEAST, D(95), "%", None),
    ("000", "明显减轻", Q, None, None, None),
    ("000", "无生态效益", NA, None, None, None),
    # 000: project 退休职工大病保险
    ("000", "17.36万元", EQUAL, D(173_600), "元", None),
    ("000", "1626人", EQUAL, D(1626), "人", None),
    ("000", "全覆盖", Q, None, None, None),
    ("000", "100%", EQUAL, D(100), "%", None),
    ("000", "足额落实", Q, None, None, None),
    ("000", "即时结算报销", Q, None, None, None),
    ("000", "1年", EQUAL, D(1), "年", None),
    # 000: project 城乡居民基本医疗保险县级配套
    ("000", "276.88万元", EQUAL, D(2_768_800), "元", None),
    ("000", "按规定使用", Q, None, None, None),
    ("000", "234644", EQUAL, D(234644), None, None),
    ("000", "有效缓解", Q, None, None, None),
    ("000", "即时报销", Q, None, None, None),
    ("000", "≥97%", AT_LEAST, D(97), "%", None),
    # 001 曲靖市沾益区 2023: 指标性质 / 指标值 / 度量单位 columns, 指标值 as written
    ("001", "358580", EQUAL, D(358580), None, None),
    ("001", "按时按质按量", Q, None, None, None),
    ("001", "95%", EQUAL, D(95), "%", None),
    ("001", "90%", EQUAL, D(90), "%", None),
    ("001", "60分钟", EQUAL, D(60), "分钟", None),
    ("001", "按时按要求落实和执行", Q, None, None, None),
    ("001", "有所提高", Q, None, None, None),
    ("001", "逐步推开", Q, None, None, None),
    # 002 乐亭县 2024
    ("002", "≥2400人次", AT_LEAST, D(2400), "人次", None),
    ("002", "≥95%", AT_LEAST, D(95), "%", None),
    ("002", "2024年12月", DEADLINE, None, None, end(2024)),
    ("002", "逐步减轻", Q, None, None, None),
    ("002", "逐步提高", Q, None, None, None),
    ("002", "≥31万人", AT_LEAST, D(310_000), "人", None),
    ("002", "≥1700人次", AT_LEAST, D(1700), "人次", None),
    ("002", "逐步减轻和降低", Q, None, None, None),
    ("002", "成效明显", Q, None, None, None),
    ("002", "≥2次", AT_LEAST, D(2), "次", None),
    # 003 保定市满城区 2024
    ("003", "≥5个 ", AT_LEAST, D(5), "个", None),
    ("003", "≥90%", AT_LEAST, D(90), "%", None),
    ("003", "2024年12月", DEADLINE, None, None, end(2024)),
    ("003", "≥50万元", AT_LEAST, D(500_000), "元", None),
    ("003", "≥100%", AT_LEAST, D(100), "%", None),
    ("003", "2人", EQUAL, D(2), "人", None),
    ("003", "≥5天", AT_LEAST, D(5), "天", None),
    ("003", "总体完成情况", Q, None, None, None),
    ("003", "4600元", EQUAL, D(4600), "元", None),
    ("003", "一直", Q, None, None, None),
    ("003", "≥1次", AT_LEAST, D(1), "次", None),
    ("003", "≤60分钟", AT_MOST, D(60), "分钟", None),
    ("003", "不晚于12月底", DEADLINE, None, None, end(2024)),
    ("003", "≥1万元", AT_LEAST, D(10_000), "元", None),
    ("003", "≥85%", AT_LEAST, D(85), "%", None),
    ("003", "≤100%", AT_MOST, D(100), "%", None),
    ("003", "100%", EQUAL, D(100), "%", None),
    ("003", "≥670元", AT_LEAST, D(670), "元", None),
    ("003", "民众切实享受医保政策参保人方便待遇享受", Q, None, None, None),
    ("003", "1年（2024年1月1日至2024年12月31日）", EQUAL, D(1), "年", None),
    ("003", "≥95%", AT_LEAST, D(95), "%", None),
    ("003", "≥36418人次", AT_LEAST, D(36418), "人次", None),
    ("003", "≥2884人次", AT_LEAST, D(2884), "人次", None),
    ("003", "≥7119人", AT_LEAST, D(7119), "人", None),
    ("003", "≥67%", AT_LEAST, D(67), "%", None),
    ("003", "不低于上年", Q, None, None, None),
    ("003", "≤10000元", AT_MOST, D(10_000), "元", None),
    ("003", "明显提高", Q, None, None, None),
    ("003", "有效缓解", Q, None, None, None),
    ("003", "成效明显", Q, None, None, None),
    ("003", "≥10000人次", AT_LEAST, D(10_000), "人次", None),
    ("003", "70%", EQUAL, D(70), "%", None),
    ("003", "67%", EQUAL, D(67), "%", None),
    ("003", "成效显著", Q, None, None, None),
    ("003", "≥6000人", AT_LEAST, D(6000), "人", None),
    ("003", "380元", EQUAL, D(380), "元", None),
    ("003", "380元*90%", Q, None, None, None),
    ("003", "12月底拨付完成", DEADLINE, None, None, end(2024)),
    ("003", "≥80%", AT_LEAST, D(80), "%", None),
    ("003", "≥4114人", AT_LEAST, D(4114), "人", None),
    ("003", "≤380元", AT_MOST, D(380), "元", None),
    ("003", "12月底前完成", DEADLINE, None, None, end(2024)),
    # 004 辰溪县 2022 (cells keep the form's full-width spaces)
    ("004", "\u300017人", EQUAL, D(17), "人", None),
    ("004", "\u3000严格把关参保人身份和医疗情况，做到应报尽报。", Q, None, None, None),
    ("004", "\u30002022年", DEADLINE, None, None, end(2022)),
    ("004", "\u300062万元\u3000", EQUAL, D(620_000), "元", None),
    ("004", "\u3000/", NA, None, None, None),
    ("004", "不适用", NA, None, None, None),
    ("004", "为离休干部医疗待遇支出提供保障工作", Q, None, None, None),
    ("004", "≥95%", AT_LEAST, D(95), "%", None),
    ("004", "\u3000\u3000≥95%", AT_LEAST, D(95), "%", None),
    ("004", "3520人", EQUAL, D(3520), "人", None),
    ("004", "\u3000不断健全制度体系，保证医保服务水平", Q, None, None, None),
    ("004", "\u3000102万元", EQUAL, D(1_020_000), "元", None),
    ("004", "\u3000430000人", EQUAL, D(430_000), "人", None),
    ("004", "\u3000≥100%", AT_LEAST, D(100), "%", None),
    ("004", "2098.4万元", EQUAL, D(20_984_000), "元", None),
    ("004", "5280人次", EQUAL, D(5280), "人次", None),
    ("004", "\u300098%", EQUAL, D(98), "%", None),
    ("004", "\u3000及时拨付", Q, None, None, None),
    ("004", "2400万元", EQUAL, D(24_000_000), "元", None),
    ("004", "\u3000效果明显", Q, None, None, None),
    ("004", "县内各定点医药机构", Q, None, None, None),
    ("004", "\u3000≧90%", AT_LEAST, D(90), "%", None),
    ("004", "25万元", EQUAL, D(250_000), "元", None),
    ("004", "\u3000全县定点医药机构全覆盖", Q, None, None, None),
    ("004", "35万元", EQUAL, D(350_000), "元", None),
    ("004", "100%", EQUAL, D(100), "%", None),
    ("004", "2022年底", DEADLINE, None, None, end(2022)),
    ("004", "72.59万元", EQUAL, D(725_900), "元", None),
    ("004", "80万元", EQUAL, D(800_000), "元", None),
]


@pytest.mark.parametrize(
    ("seed", "text", "kind", "value", "unit", "deadline"),
    SEED_TARGETS,
    ids=[f"{row[0]}:{row[1].strip()}" for row in SEED_TARGETS],
)
def test_seed_target_texts(seed, text, kind, value, unit, deadline):
    target = parse_target(text, YEAR[seed])
    assert (target.kind, target.value, target.unit, target.deadline) == (kind, value, unit, deadline)
    assert target.text == text  # kept exactly as written


def test_the_table_covers_every_seed_and_every_kind():
    assert {row[0] for row in SEED_TARGETS} == set(YEAR)
    assert {row[2] for row in SEED_TARGETS} == set(KINDS)


# ------------------------------------------------------------------ forms beyond the seeds


@pytest.mark.parametrize(
    ("text", "kind", "value", "unit"),
    [
        ("≥2.5万人次", AT_LEAST, D(25_000), "人次"),
        (">=90%", AT_LEAST, D(90), "%"),
        ("≧９０％", AT_LEAST, D(90), "%"),
        ("不低于90%", AT_LEAST, D(90), "%"),
        ("不少于17人", AT_LEAST, D(17), "人"),
        ("大于等于3个", AT_LEAST, D(3), "个"),
        ("95%以上", AT_LEAST, D(95), "%"),
        ("<=60分钟", AT_MOST, D(60), "分钟"),
        ("≦60分钟", AT_MOST, D(60), "分钟"),
        ("不高于5%", AT_MOST, D(5), "%"),
        ("不超过10000元", AT_MOST, D(10_000), "元"),
        ("不多于3次", AT_MOST, D(3), "次"),
        ("控制在5%以内", AT_MOST, D(5), "%"),
        ("=100%", EQUAL, D(100), "%"),
        ("＝100％", EQUAL, D(100), "%"),
        ("1,234,567元", EQUAL, D(1_234_567), "元"),
        ("1，234人", EQUAL, D(1234), "人"),
        ("≥ 90 %", AT_LEAST, D(90), "%"),
        ("≥31万", AT_LEAST, D(310_000), None),
        ("3.5平方米", EQUAL, D("3.5"), "平方米"),
        ("2个百分点", EQUAL, D(2), "个百分点"),
        ("８小时", EQUAL, D(8), "小时"),
    ],
)
def test_comparisons_numbers_and_units(text, kind, value, unit):
    target = parse_target(text)
    assert (target.kind, target.value, target.unit) == (kind, value, unit)


@pytest.mark.parametrize(
    ("text", "year", "deadline"),
    [
        ("2024年12月", None, dt.date(2024, 12, 31)),
        ("2024年6月底前", None, dt.date(2024, 6, 30)),
        ("2024年2月", None, dt.date(2024, 2, 29)),
        ("2024年12月31日前", None, dt.date(2024, 12, 31)),
        ("2024-09-30", None, dt.date(2024, 9, 30)),
        ("2024年度内完成", None, dt.date(2024, 12, 31)),
        ("12月底前完成", 2023, dt.date(2023, 12, 31)),
        ("不晚于12月底", 2023, dt.date(2023, 12, 31)),
        ("6月底", 2023, dt.date(2023, 6, 30)),
        ("十二月底", 2023, dt.date(2023, 12, 31)),
        ("年底前", 2023, dt.date(2023, 12, 31)),
        ("年内完成", 2023, dt.date(2023, 12, 31)),
        ("第三季度末", 2023, dt.date(2023, 9, 30)),
        ("2022年", 2024, dt.date(2022, 12, 31)),  # the text's own year wins
        ("12月底前完成", None, None),  # a deadline, its date unknown without a year
        ("年底前", None, None),
        ("12月底", 0, None),  # an unusable year is no error either
    ],
)
def test_deadlines(text, year, deadline):
    target = parse_target(text, year)
    assert (target.kind, target.deadline, target.value) == (DEADLINE, deadline, None)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", NA),
        ("   ", NA),
        ("／", NA),
        ("—", NA),
        ("无社会成本指标", NA),
        ("无此项", NA),
        ("不涉及", NA),
        # "无" + an outcome is a zero-incident target, not an empty row
        ("无重大安全事故", Q),
        ("无不良影响", Q),
        ("2024年13月", Q),
        ("2024年2月30日", Q),
        ("13月", EQUAL),
        ("12345热线畅通无阻", Q),
        ("≥", Q),
        ("万元", Q),
        ("3万%", Q),
    ],
)
def test_not_applicable_and_odd_texts(text, kind):
    assert parse_target(text, 2024).kind == kind


def test_none_is_not_applicable():
    assert parse_target(None).kind == NA  # type: ignore[arg-type]


# ------------------------------------------------------------------ the 001 form's split columns


@pytest.mark.parametrize(
    ("nature", "value", "unit", "kind", "number", "measure"),
    [
        ("≥", "358580", "人", AT_LEAST, D(358580), "人"),
        ("≥", "95%", "%", AT_LEAST, D(95), "%"),
        ("≥", "90%", "%", AT_LEAST, D(90), "%"),
        ("≤", "60分钟", "分钟", AT_MOST, D(60), "分钟"),
        ("按时按质按量", "按时按质按量", "按时按质按量", Q, None, None),
        ("逐步推开", "逐步推开", "逐步推开", Q, None, None),
        ("定量", "17", "人", EQUAL, D(17), "人"),
        ("≥", "≥95%", "%", AT_LEAST, D(95), "%"),  # the sign written twice
    ],
)
def test_target_from_columns(nature, value, unit, kind, number, measure):
    target = target_from_columns(nature, value, unit, 2023)
    assert (target.kind, target.value, target.unit) == (kind, number, measure)


# ------------------------------------------------------------------ actual values


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("≥90%", D(90), "%"),
        ("≥95%", D(95), "%"),
        ("≤60分钟", D(60), "分钟"),
        ("358580", D(358580), None),
        ("2500人次", D(2500), "人次"),
        ("31万人", D(310_000), "人"),
        ("\u300062万元\u3000", D(620_000), "元"),
        ("已完成", None, None),
        ("影响程度明显", None, None),
        ("2022年", None, None),  # a date is recorded as achieved_on, not a number
        ("", None, None),
        (D("12.5"), D("12.5"), None),
    ],
)
def test_parse_actual(text, value, unit):
    assert parse_actual(text) == (value, unit)


# ------------------------------------------------------------------ levels


def test_level_lists():
    assert LEVEL1 == ("产出指标", "效益指标", "满意度指标", "成本指标")
    assert LEVEL2["产出指标"] == ("数量指标", "质量指标", "时效指标", "成本指标")
    assert LEVEL2["成本指标"] == ("经济成本指标", "社会成本指标", "生态环境成本指标")
    assert UNIT_LEVEL1 == ("部门管理", "履职效果", "能力建设")
    assert set(UNIT_LEVEL2) == set(UNIT_LEVEL1)


@pytest.mark.parametrize(
    ("level1", "level2", "unit_level", "warnings"),
    [
        ("产出指标", "数量指标", False, 0),
        ("效益指标", "经济效益  指标", False, 0),  # seed 004 spacing
        ("满意度指标", "服务对象满意度指标等", False, 0),  # seed 001 wording
        ("成本指标", "生态环境成本指标", False, 0),
        ("部门管理", "资金投入", True, 0),
        ("能力建设", "档案管理", True, 0),
        ("产出指标", "社会效益指标", False, 1),
        ("产出目标", "数量指标", False, 1),
        ("自定义", "自定义二级", False, 2),
        ("", "", False, 2),
        ("部门管理", "资金投入", False, 2),  # a unit-level row checked as a project row
    ],
)
def test_check_levels(level1, level2, unit_level, warnings):
    assert len(check_levels(level1, level2, unit_level=unit_level)) == warnings


# ------------------------------------------------------------------ fuzz: never raises

TOKENS = list("0123456789０１２３.,，%％‰≥≤≧≦><=＝万亿千百元人次个")
TOKENS += list("年月日底前后内完成无不低于高超过以上下/／－—-() （）*　 ")
TOKENS += ["不适用", "不晚于", "季度", "第", "十二", "2024", "上年", "逐步提高", "成本", "指标", "以内"]
TARGETISH = st.lists(st.sampled_from(TOKENS), max_size=12).map("".join)
YEARS = st.one_of(st.none(), st.integers(min_value=-10_000, max_value=20_000))


@settings(max_examples=400)
@given(text=st.one_of(st.text(max_size=40), TARGETISH), year=YEARS)
def test_parse_target_never_raises(text, year):
    target = parse_target(text, year)
    assert target.kind in KINDS
    assert target.text == text
    assert (target.value is not None) == (target.kind in (AT_LEAST, AT_MOST, EQUAL))
    if target.kind != DEADLINE:
        assert target.deadline is None
    parse_actual(text)
    check_levels(text, text, unit_level=bool(year))


@given(
    number=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    unit=st.sampled_from(["人", "人次", "%", "元", "分钟", "个", "天"]),
    sign=st.sampled_from([("≥", AT_LEAST), ("≤", AT_MOST), ("", EQUAL), ("不低于", AT_LEAST)]),
)
def test_written_numbers_read_back(number, unit, sign):
    target = parse_target(f"{sign[0]}{number}{unit}")
    assert (target.kind, target.value, target.unit) == (sign[1], number, unit)
