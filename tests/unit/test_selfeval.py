"""Year-end self-evaluation: seed 001's form scored again, each rule at its edges."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.errors import InvalidInputError
from tracker.domain.indicator import Target, parse_actual, parse_target, target_from_columns
from tracker.domain.selfeval import (
    EXECUTION,
    Evaluation,
    IndicatorResult,
    SelfEvaluationError,
    band_of,
    check_band,
    check_can_finalise,
    combine_quantities,
    combine_units,
    completion_from_points,
    evaluate,
    execution_points,
    execution_rate,
    grade,
    indicator_completion,
    read_actual,
    show_points,
)

D = Decimal
TOP, MIDDLE, LOW = "全部或基本达成预期指标", "部分达成预期指标并具有一定效果", "未达成预期指标且效果较差"


def result(target: str | Target, weight: object = 10, **kw) -> IndicatorResult:
    parsed = parse_target(target, 2023) if isinstance(target, str) else target
    ident = kw.pop("id", "x")
    return IndicatorResult(
        ident,
        kw.pop("level1", "产出指标"),
        kw.pop("level2", "数量指标"),
        kw.pop("name", f"指标{ident}"),
        parsed,
        D(weight),
        **kw,
    )  # type: ignore[arg-type]


def completion(target: str, **kw) -> Decimal | None:
    return indicator_completion(result(target, **kw))


# ------------------------------------------------------------------ seed 001 (沾益区 2023)


def zhanyi(cause: str = "", action: str = "") -> list[IndicatorResult]:
    """The 项目支出绩效自评表 of 医疗服务和保障能力提升补助经费, typed from the seed."""
    actual = parse_actual
    return [
        result(
            target_from_columns("≥", "90%", "%"),
            10,
            id="1",
            name="医保信息系统正常运行率",
            actual_value=actual("≥90%")[0],
        ),
        result(
            target_from_columns("≥", "90%", "%"),
            15,
            id="2",
            level2="质量指标",
            name="定点医药机构监督检查覆盖率",
            actual_value=actual("≥90%")[0],
        ),
        result(
            target_from_columns("≤", "60分钟", "分钟"),
            10,
            id="3",
            level2="时效指标",
            name="医保信息系统重大安全事件相应响应时间",
            actual_value=actual("≤60分钟")[0],
        ),
        result(
            "按时按要求落实和执行",
            15,
            id="4",
            level2="成本指标",
            name="药品和医用耗材集中带量采购落实情况",
            completion=D(100),
        ),
        result(
            "有所提高",
            15,
            id="5",
            level1="效益指标",
            level2="社会效益指标",
            name="医保经办服务能力",
            completion=D(100),
        ),
        result(
            "逐步推开",
            15,
            id="6",
            level1="效益指标",
            level2="可持续影响指标",
            name="推行医保支付方式改革和DRG试点",
            completion=completion_from_points(D(13), D(15)),
            cause=cause,
            action=action,
        ),
        result(
            target_from_columns("≥", "90%", "%"),
            10,
            id="7",
            level1="满意度指标",
            level2="服务对象满意度指标",
            name="参保人员对医保服务的满意度",
            actual_value=actual("≥90%")[0],
        ),
    ]


def test_zhanyi_scores_98_and_grades_excellent():
    ev = evaluate(D("63.00"), D("63.00"), D("63.00"), zhanyi())
    assert ev.execution_rate == 100
    assert show_points(ev.execution_points) == "10.00"
    assert [show_points(line.points) for line in ev.lines] == [
        "10.00",
        "15.00",
        "10.00",
        "15.00",
        "15.00",
        "13.00",
        "10.00",
    ]
    assert ev.lines[5].band == TOP  # 13 of 15 is 86.67%: fully or basically achieved
    assert show_points(ev.indicator_points) == "88.00"
    assert ev.shown_total == "98.00"
    assert ev.grade == "优"
    assert ev.scale == 1
    assert ev.scale_note is None


def test_zhanyi_cannot_be_finalised_without_explaining_the_13_of_15():
    ev = evaluate(D("63.00"), D("63.00"), D("63.00"), zhanyi())
    assert [s.id for s in ev.missing_explanations()] == ["6"]
    with pytest.raises(SelfEvaluationError, match="推行医保支付方式改革和DRG试点") as caught:
        check_can_finalise(ev)
    assert caught.value.field == "6"
    assert isinstance(caught.value, InvalidInputError)
    explained = evaluate(
        D("63.00"),
        D("63.00"),
        D("63.00"),
        zhanyi("DRG 试点医院尚未全部上线", "下年度扩大试点范围"),
        final=True,
    )
    check_can_finalise(explained)
    assert explained.shown_total == "98.00"


# ------------------------------------------------------------------ budget execution


@pytest.mark.parametrize(
    ("budget", "spent", "weight", "points"),
    [
        (D("63.00"), D("63.00"), D(10), D(10)),
        (D(100), D(50), D(10), D(5)),
        (D(100), D(0), D(10), D(0)),
        (D(100), D(120), D(10), D(10)),  # over-spending earns no more than the weight
        (D(0), D(0), D(10), D(0)),  # nothing budgeted: 0, not a division error
        (D(0), D(5), D(10), D(0)),
        (D(100), D(-5), D(10), D(0)),
        (D(200), D(150), D(20), D(15)),
    ],
)
def test_execution_points(budget, spent, weight, points):
    assert execution_points(budget, spent, weight) == points


def test_execution_rate_is_uncapped_and_none_without_budget():
    assert execution_rate(D(100), D(120)) == 120
    assert execution_rate(D(0), D(0)) is None


def test_execution_below_100_is_a_shortfall_to_explain():
    ev = evaluate(D(100), D(100), D(90), [result("≥90%", 90, actual_value=D(90))])
    assert show_points(ev.execution_points) == "9.00"
    assert [(s.id, s.completion) for s in ev.shortfalls] == [(EXECUTION, D(90))]
    with pytest.raises(SelfEvaluationError) as caught:
        check_can_finalise(ev)
    assert caught.value.field == EXECUTION
    ok = evaluate(
        D(100),
        D(100),
        D(90),
        [result("≥90%", 90, actual_value=D(90))],
        execution_cause="年底采购合同未结算",
        execution_action="次年一季度结算",
    )
    check_can_finalise(ok)


def test_floats_are_refused():
    with pytest.raises(SelfEvaluationError):
        execution_points(100.0, D(5))  # type: ignore[arg-type]
    with pytest.raises(SelfEvaluationError):
        check_band(85.5, "x")  # type: ignore[arg-type]


# ------------------------------------------------------------------ quantitative indicators


@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        ("≥90%", D(90), D(100)),
        ("≥90%", D(95), D(100)),  # capped at 100
        ("≥2400人次", D(1200), D(50)),
        ("≥2400人次", D(0), D(0)),
        ("≥0个", D(0), D(100)),  # a zero target is met by anything non-negative
        ("≥0个", D(3), D(100)),
        ("17人", D(17), D(100)),  # equal scores like at_least
        ("17人", D(18), D(100)),
        ("4人", D(3), D(75)),
        ("≤60分钟", D(30), D(100)),
        ("≤60分钟", D(60), D(100)),
        ("≤60分钟", D(120), D(50)),
        ("≤0元", D(10), D(0)),
        ("≤10000元", D(0), D(100)),
    ],
)
def test_quantitative_completion(target, actual, expected):
    assert completion(target, actual_value=actual) == expected


def test_missing_actual_is_none_in_a_draft_and_refused_when_final():
    r = result("≥90%", id="q1", name="参保率")
    assert indicator_completion(r) is None
    with pytest.raises(SelfEvaluationError, match=r"参保率.*实际完成值") as caught:
        indicator_completion(r, final=True)
    assert caught.value.field == "q1"


def test_read_actual_checks_the_unit():
    assert read_actual(parse_target("≥90%"), "≥90%") == 90
    assert read_actual(parse_target("≥31万人"), "31.2万人") == 312_000
    assert read_actual(parse_target("≥90%"), "已完成") is None
    with pytest.raises(SelfEvaluationError, match="单位"):
        read_actual(parse_target("≥2400人次"), "2500人")


# ------------------------------------------------------------------ deadlines


def test_deadline_met_is_100_whatever_the_officer_wrote():
    assert completion("2024年12月", achieved_on=dt.date(2024, 12, 31)) == 100
    assert completion("2024年12月", achieved_on=dt.date(2024, 3, 1), completion=D(50)) == 100


def test_deadline_missed_takes_the_officers_band():
    late = dt.date(2025, 1, 1)
    assert completion("2024年12月", achieved_on=late, completion=D(85)) == 85
    with pytest.raises(SelfEvaluationError, match="未按期完成"):
        completion("2024年12月", achieved_on=late, completion=D(100))
    assert completion("2024年12月", achieved_on=late) is None
    with pytest.raises(SelfEvaluationError):
        indicator_completion(result("2024年12月", achieved_on=late), final=True)


def test_deadline_of_unknown_date_is_judged_by_the_officer():
    target = parse_target("12月底前完成")  # no year given: date unknown
    assert indicator_completion(result(target, achieved_on=dt.date(2024, 6, 1))) is None
    assert indicator_completion(result(target, completion=D(90))) == 90


# ------------------------------------------------------------------ qualitative bands (seed 004 note 3)


@pytest.mark.parametrize(
    ("value", "band"),
    [(D(100), TOP), (D(80), TOP), (D("79.99"), MIDDLE), (D(60), MIDDLE), (D("59.99"), LOW), (D(0), LOW)],
)
def test_bands_include_80_and_60_in_the_upper_band(value, band):
    assert band_of(value) == band
    assert completion("明显减轻", completion=value) == value


@pytest.mark.parametrize("value", [D("100.01"), D(-1), D("NaN"), D("Infinity")])
def test_completion_outside_the_bands_is_refused_even_in_a_draft(value):
    with pytest.raises(SelfEvaluationError):
        completion("逐步提高", completion=value)


def test_odd_targets_are_judged_qualitatively():
    assert completion("380元*90%", completion=D(90)) == 90
    assert completion("不低于上年", completion=D(70)) == 70
    assert completion("不低于上年") is None


def test_completion_from_points():
    assert completion_from_points(D(13), D(15)) * 15 / 100 == pytest.approx(D(13))
    with pytest.raises(SelfEvaluationError):
        completion_from_points(D(16), D(15))
    with pytest.raises(SelfEvaluationError):
        completion_from_points(D(1), D(0))


# ------------------------------------------------------------------ weights and scaling


def test_not_applicable_rows_carry_no_weight():
    rows = [
        result("≥95%", 90, id="a", actual_value=D(95)),
        result("/", 10, id="b"),
        result("无生态成本", 5, id="c"),
    ]
    ev = evaluate(D(62), D(62), D(62), rows)
    assert ev.scale == 1
    assert [(line.completion, line.points, line.scaled_weight) for line in ev.lines[1:]] == [
        (None, None, 0),
        (None, None, 0),
    ]
    assert not ev.pending()
    assert ev.total == 100


def test_weights_not_adding_to_90_are_scaled_and_the_factor_shown():
    rows = [
        result("≥95%", 30, id="a", actual_value=D(95)),
        result("逐步提高", 30, id="b", completion=D(50), cause="c", action="a"),
    ]
    ev = evaluate(D(10), D(10), D(10), rows)
    assert ev.scale == D("1.5")
    assert ev.scale_note is not None
    assert "60.00分" in ev.scale_note
    assert "1.5000" in ev.scale_note
    assert [line.scaled_weight for line in ev.lines] == [45, 45]
    assert [line.points for line in ev.lines] == [45, D("22.5")]
    assert ev.total == D("77.5")
    assert ev.grade == "中"


def test_weights_above_90_are_scaled_down():
    rows = [result("≥1次", w, id=str(i), actual_value=D(1)) for i, w in enumerate((40, 30, 30))]
    ev = evaluate(D(1), D(1), D(1), rows)
    assert ev.scale == D("0.9")
    assert ev.total == 100


def test_no_applicable_indicator():
    ev = evaluate(D(1), D(1), D(1), [result("/", 90)])
    assert ev.total == 10
    assert ev.scale_note


def test_bad_weights_and_duplicate_ids_are_refused():
    with pytest.raises(SelfEvaluationError):
        evaluate(D(1), D(1), D(1), [result("≥1次", -5, actual_value=D(1))])
    with pytest.raises(SelfEvaluationError, match="重复"):
        evaluate(D(1), D(1), D(1), [result("≥1次", 45, id="a"), result("≥1次", 45, id="a")])


def test_a_draft_with_missing_data_scores_what_it_has_and_cannot_be_finalised():
    rows = [result("≥90%", 45, id="a", actual_value=D(90)), result("逐步提高", 45, id="b", name="效益")]
    ev = evaluate(D(1), D(1), D(1), rows)
    assert ev.total == 55
    assert [line.id for line in ev.pending()] == ["b"]
    with pytest.raises(SelfEvaluationError, match="效益") as caught:
        check_can_finalise(ev)
    assert caught.value.field == "b"
    with pytest.raises(SelfEvaluationError):
        evaluate(D(1), D(1), D(1), rows, final=True)


# ------------------------------------------------------------------ grades and display


@pytest.mark.parametrize(
    ("total", "label"),
    [
        (D(100), "优"),
        (D(90), "优"),
        (D("89.999"), "良"),
        (D(80), "良"),
        (D("79.99"), "中"),
        (D(60), "中"),
        (D("59.99"), "差"),
        (D(0), "差"),
    ],
)
def test_grades_at_their_boundaries(total, label):
    assert grade(total) == label


def test_grade_comes_from_unrounded_points():
    ev = evaluate(D(1), D(1), D(1), [result("≥10000次", 90, actual_value=D(8888))])
    assert ev.total == D("89.992")
    assert (ev.shown_total, ev.grade) == ("89.99", "良")
    near = evaluate(D(1), D(1), D(1), [result("≥100000次", 90, actual_value=D(88884))])
    assert (near.shown_total, near.grade) == ("90.00", "良")  # shows 90.00, still 良


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("12.345"), "12.35"),
        (D("12.3449"), "12.34"),
        (D("0.005"), "0.01"),
        (D("2.5"), "2.50"),
        (D(98), "98.00"),
    ],
)
def test_show_points_half_up(value, shown):
    assert show_points(value) == shown


# ------------------------------------------------------------------ combining units (seed 004 note 2)


def test_absolute_quantities_add_up():
    assert combine_quantities([(D(17), D(62)), (D(3520), D(102))], "人") == 3537
    assert combine_quantities([(D(5280), D(2400))], "人次") == 5280
    assert combine_quantities([], "人") is None


def test_ratios_are_averaged_by_funding():
    combined = combine_quantities([(D(95), D(62)), (D(98), D(102))], "%")
    assert combined == (D(95) * 62 + D(98) * 102) / 164
    assert combine_quantities([(D(90), D(0)), (D(100), D(0))], "%") == 95  # no funding: plain mean
    assert combine_quantities([(D(90), D(0)), (D(100), D(10))], "%") == 100
    with pytest.raises(SelfEvaluationError):
        combine_quantities([(D(90), D(-1))], "%")


def test_combine_units_by_indicator():
    parts = [
        (D(62), {"参保人数": (D(17), "人"), "满意度": (D(95), "%")}),
        (D(102), {"参保人数": (D(3520), "人"), "满意度": (D(98), "%")}),
        (D(25), {"运行率": (D(90), "%")}),
    ]
    combined = combine_units(parts)
    assert combined["参保人数"] == (D(3537), "人")
    assert combined["满意度"][0] == (D(95) * 62 + D(98) * 102) / 164
    assert combined["运行率"] == (D(90), "%")
    with pytest.raises(SelfEvaluationError, match="单位不一致"):
        combine_units([(D(1), {"a": (D(1), "人")}), (D(1), {"a": (D(1), "人次")})])


# ------------------------------------------------------------------ properties

WEIGHTS = st.decimals(min_value=0, max_value=40, places=2)
AMOUNTS = st.decimals(min_value=0, max_value=10**7, places=2)
VALUES = st.decimals(min_value=0, max_value=10**6, places=2)


@st.composite
def any_result(draw) -> IndicatorResult:
    kind = draw(st.sampled_from(["≥", "≤", "", "q", "na"]))
    weight = draw(WEIGHTS)
    if kind == "na":
        return result("/", weight, id="r")
    if kind == "q":
        return result("逐步提高", weight, id="r", completion=draw(st.decimals(0, 100, places=2)))
    target = parse_target(f"{kind}{draw(VALUES)}人")
    return result(target, weight, id="r", actual_value=draw(st.one_of(st.none(), VALUES)))


@given(rows=st.lists(any_result(), max_size=8), budget=AMOUNTS, spent=AMOUNTS)
def test_points_never_exceed_weights_and_total_never_exceeds_100(rows, budget, spent):
    rows = [replace(r, id=str(i)) for i, r in enumerate(rows)]  # ids must be unique
    ev = evaluate(budget, budget, spent, rows)
    assert isinstance(ev, Evaluation)
    assert D(0) <= ev.execution_points <= 10
    for line in ev.lines:
        assert line.points is None or D(0) <= line.points <= line.scaled_weight
    assert D(0) <= ev.total <= 100
    assert ev.grade == grade(ev.total)


@given(target=st.decimals(min_value=0, max_value=10**6, places=2), a=VALUES, b=VALUES)
def test_at_least_is_monotone_in_the_actual(target, a, b):
    low, high = sorted((a, b))
    parsed = parse_target(f"≥{target}人")
    first = indicator_completion(result(parsed, actual_value=low))
    second = indicator_completion(result(parsed, actual_value=high))
    assert first is not None
    assert second is not None
    assert first <= second <= 100
    ev_low = evaluate(D(1), D(1), D(1), [result(parsed, 90, actual_value=low)])
    ev_high = evaluate(D(1), D(1), D(1), [result(parsed, 90, actual_value=high)])
    assert ev_low.total <= ev_high.total


@given(a=VALUES, b=VALUES, target=st.decimals(min_value=0, max_value=10**6, places=2))
def test_at_most_is_antitone_in_the_actual(a, b, target):
    low, high = sorted((a, b))
    parsed = parse_target(f"≤{target}分钟")
    assert indicator_completion(result(parsed, actual_value=low)) >= indicator_completion(
        result(parsed, actual_value=high)
    )
