"""Year-end self-evaluation (绩效自评): points, grade, shortfalls, combining units.

Pure functions over figures already gathered, so the same scoring serves the CLI, the
web form and the tests. The form is seed 001's 项目支出绩效自评表: budget execution
earns 10 points, the indicators share the other 90 by their weights (分值); qualitative
indicators are graded in seed 004's three bands. Points keep full precision; only
display rounds (two decimals, half-up), so the grade never depends on rounding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tracker.domain.errors import InvalidInputError
from tracker.domain.indicator import AT_MOST, DEADLINE, NOT_APPLICABLE, QUANTITATIVE, Target, parse_actual
from tracker.domain.weights import GIVEN, resolve_weights

ZERO, HUNDRED, CENT = Decimal(0), Decimal(100), Decimal("0.01")
BANDS = (
    (Decimal(80), "全部或基本达成预期指标"),
    (Decimal(60), "部分达成预期指标并具有一定效果"),
    (ZERO, "未达成预期指标且效果较差"),
)
GRADES = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"))
RATIO_UNITS = frozenset({"%", "‰", "个百分点"})
EXECUTION = "预算执行"  # the id and name of the execution line among shortfalls


class SelfEvaluationError(InvalidInputError):
    """The evaluation cannot be scored or finalised; ``field`` names the indicator."""


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator at year end: its target, weight (分值; None when the table gives
    none, then the national template applies) and what was achieved.
    ``completion`` (percent) is the officer's judgement for qualitative indicators and
    missed deadlines; ``cause``/``action`` explain a shortfall (偏差原因及改进措施)."""

    id: str
    level1: str
    level2: str
    name: str
    target: Target
    weight: Decimal | None
    actual_value: Decimal | None = None
    completion: Decimal | None = None
    achieved_on: dt.date | None = None
    cause: str = ""
    action: str = ""


@dataclass(frozen=True)
class IndicatorLine:
    """A scored row of the form; ``completion``/``points`` are None while awaiting data
    and for not-applicable rows (which weigh nothing)."""

    id: str
    name: str
    kind: str
    target_text: str
    weight: Decimal
    scaled_weight: Decimal
    completion: Decimal | None
    points: Decimal | None
    band: str | None
    weight_source: str = GIVEN  # 分值 (given or set) or 默认模板 (the national template)

    @property
    def applicable(self) -> bool:
        return self.kind != NOT_APPLICABLE


@dataclass(frozen=True)
class Shortfall:
    """Something below 100% that the form requires to be explained."""

    id: str
    name: str
    completion: Decimal
    cause: str
    action: str

    @property
    def explained(self) -> bool:
        return bool(self.cause.strip() and self.action.strip())


@dataclass(frozen=True)
class Evaluation:
    """The whole form, from unrounded points; ``scale`` is 1 unless weights were rescaled."""

    execution_rate: Decimal | None
    execution_points: Decimal
    lines: tuple[IndicatorLine, ...]
    indicator_points: Decimal
    scale: Decimal
    scale_note: str | None
    total: Decimal
    grade: str
    shortfalls: tuple[Shortfall, ...]

    def missing_explanations(self) -> list[Shortfall]:
        return [s for s in self.shortfalls if not s.explained]

    def pending(self) -> list[IndicatorLine]:
        return [line for line in self.lines if line.applicable and line.completion is None]

    @property
    def shown_total(self) -> str:
        return show_points(self.total)


def show_points(value: Decimal) -> str:
    """Two decimals, half-up (四舍五入), for display only."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def _number(value: object, field: str) -> Decimal:
    """Decimal (or int) only: a float here would already have lost exactness."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise SelfEvaluationError("必须是 Decimal 数值（不接受浮点数）", field)
    number = Decimal(value)
    if not number.is_finite():
        raise SelfEvaluationError("必须是有限数值", field)
    return number


def execution_rate(budget_full_year: Decimal, disbursed: Decimal) -> Decimal | None:
    """B / A in percent, uncapped (over-spending shows); None when A is 0."""
    a, b = _number(budget_full_year, "全年预算数"), _number(disbursed, "全年执行数")
    return None if a <= 0 else b / a * HUNDRED


def execution_points(budget_full_year: Decimal, disbursed: Decimal, weight: Decimal = Decimal(10)) -> Decimal:
    """weight × min(B/A, 1); nothing budgeted earns nothing."""
    rate = execution_rate(budget_full_year, disbursed)
    if rate is None:
        return ZERO
    return _number(weight, "执行率分值") * max(min(rate / HUNDRED, Decimal(1)), ZERO)


def band_of(completion: Decimal) -> str:
    """Seed 004 note 3: 100–80 (80 included), 80–60 (60 included), below 60."""
    return next(label for floor, label in BANDS if completion >= floor)


def check_band(completion: Decimal, field: str) -> Decimal:
    """The officer's completion must lie inside the bands, i.e. 0–100%."""
    value = _number(completion, field)
    if not ZERO <= value <= HUNDRED:
        raise SelfEvaluationError(f"完成比例{value}%应在0%—100%之间", field)
    return value


def _missing(r: IndicatorResult, what: str, final: bool) -> Decimal | None:
    """A draft may lack data (scored later); a final form may not."""
    if final:
        raise SelfEvaluationError(f"指标“{r.name}”缺少{what}", r.id)
    return None


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return max(min(numerator / denominator * HUNDRED, HUNDRED), ZERO)


def _quantitative(r: IndicatorResult, target: Decimal, final: bool) -> Decimal | None:
    if r.actual_value is None:
        return _missing(r, "实际完成值", final)
    actual = _number(r.actual_value, r.id)
    if r.target.kind == AT_MOST:
        if actual <= target:
            return HUNDRED
        return _ratio(target, actual) if actual > 0 else ZERO
    if target <= 0:  # "at least 0": any non-negative actual meets it
        return HUNDRED if actual >= target else ZERO
    return _ratio(actual, target)


def _deadline(r: IndicatorResult, final: bool) -> Decimal | None:
    deadline, done = r.target.deadline, r.achieved_on
    if done is not None and deadline is not None and done <= deadline:
        return HUNDRED
    if r.completion is None:
        return _missing(r, "按期完成日期或完成比例", final)
    value = check_band(r.completion, r.id)
    if done is not None and deadline is not None and value >= HUNDRED:
        message = f"指标“{r.name}”未按期完成（{done} 晚于 {deadline}），完成比例应低于100%"
        raise SelfEvaluationError(message, r.id)
    return value


def indicator_completion(r: IndicatorResult, *, final: bool = False) -> Decimal | None:
    """Completion in percent, or None (not applicable; or a draft awaiting data).
    ``equal`` scores like ``at_least``; a target without a number is judged like a
    qualitative one."""
    kind, value = r.target.kind, r.target.value
    if kind == NOT_APPLICABLE:
        return None
    if kind in QUANTITATIVE and value is not None:
        return _quantitative(r, value, final)
    if kind == DEADLINE:
        return _deadline(r, final)
    if r.completion is None:
        return _missing(r, "完成比例（定性指标按三档评定）", final)
    return check_band(r.completion, r.id)


def grade(total: Decimal) -> str:
    """优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60 (on the unrounded total)."""
    return next((label for floor, label in GRADES if total >= floor), "差")


RESIDUE = Decimal("1e-12")


def _scale(
    weighed: Mapping[str, tuple[Decimal, str]], indicator_total: Decimal
) -> tuple[Decimal, str | None]:
    weights = sum((weight for weight, _ in weighed.values()), ZERO)
    # Equal default shares (50 / 7 …) add up to the total but for Decimal's last digit:
    # that residue is not a difference to scale away or to tell the officer about.
    if abs(weights - indicator_total) < RESIDUE:
        return Decimal(1), None
    if weights <= 0:
        return Decimal(1), f"没有可评分的指标，指标部分{show_points(indicator_total)}分无法得分"
    factor = indicator_total / weights
    return factor, (
        f"适用指标分值合计{show_points(weights)}分，不等于{show_points(indicator_total)}分，"
        f"已按系数{factor.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}折算"
    )


def _checked_weight(r: IndicatorResult) -> IndicatorResult:
    if r.weight is not None and _number(r.weight, r.id) < 0:
        raise SelfEvaluationError(f"指标“{r.name}”的分值不能为负数", r.id)
    return r


def weights_of(
    results: Sequence[IndicatorResult], indicator_total: Decimal, shares: Mapping[str, Decimal] | None = None
) -> dict[str, tuple[Decimal, str]]:
    """The applicable indicators' weights and their source: a given 分值, else the
    national template's share of their 一级 (not-applicable rows weigh nothing)."""
    applicable = [_checked_weight(r) for r in results if r.target.kind != NOT_APPLICABLE]
    return resolve_weights(applicable, indicator_total, shares)


def _line(
    r: IndicatorResult, weighed: Mapping[str, tuple[Decimal, str]], factor: Decimal, final: bool
) -> IndicatorLine:
    completion = indicator_completion(r, final=final)
    weight, source = weighed.get(r.id, (r.weight or ZERO, GIVEN))
    scaled = weight * factor if r.id in weighed else ZERO
    points = None if completion is None else min(scaled * completion / HUNDRED, scaled)
    band = None if completion is None else band_of(completion)
    return IndicatorLine(
        r.id, r.name, r.target.kind, r.target.text, weight, scaled, completion, points, band, source
    )


def _shortfalls(results: Sequence[IndicatorResult], lines: Sequence[IndicatorLine]) -> list[Shortfall]:
    return [
        Shortfall(r.id, r.name, line.completion, r.cause, r.action)
        for r, line in zip(results, lines, strict=True)
        if line.completion is not None and line.completion < HUNDRED
    ]


def evaluate(
    budget_initial: Decimal,
    budget_full_year: Decimal,
    disbursed: Decimal,
    results: Sequence[IndicatorResult],
    *,
    execution_weight: Decimal = Decimal(10),
    indicator_total: Decimal = Decimal(90),
    final: bool = False,
    execution_cause: str = "",
    execution_action: str = "",
    shares: Mapping[str, Decimal] | None = None,
) -> Evaluation:
    """Score the form. ``budget_initial`` (年初预算) is shown on the form but scores
    nothing: execution is measured against the full-year budget A. ``shares`` are the
    unit's own 一级 shares for indicators without 分值 (default: the national template)."""
    _number(budget_initial, "年初预算数")
    ids = [r.id for r in results]
    if len(set(ids)) != len(ids):
        raise SelfEvaluationError("指标编号重复", next(i for i in ids if ids.count(i) > 1))
    indicator_total = _number(indicator_total, "指标总分")
    weighed = weights_of(results, indicator_total, shares)
    factor, note = _scale(weighed, indicator_total)
    lines = [_line(r, weighed, factor, final) for r in results]
    # Scaled weights can sum a hair above the total in the 28th digit; never show 100.0…01.
    points = min(sum((line.points or ZERO for line in lines), ZERO), indicator_total)
    rate = execution_rate(budget_full_year, disbursed)
    executed = execution_points(budget_full_year, disbursed, execution_weight)
    shortfalls = _shortfalls(results, lines)
    if executed < _number(execution_weight, "执行率分值"):
        shortfalls.insert(0, Shortfall(EXECUTION, EXECUTION, rate or ZERO, execution_cause, execution_action))
    total = executed + points
    return Evaluation(
        rate, executed, tuple(lines), points, factor, note, total, grade(total), tuple(shortfalls)
    )


def check_can_finalise(evaluation: Evaluation) -> None:
    """Refuse to sign off a form with indicators unscored or shortfalls unexplained."""
    if pending := evaluation.pending():
        line = pending[0]
        raise SelfEvaluationError(f"指标“{line.name}”尚未填写完成情况，不能定稿", line.id)
    if missing := evaluation.missing_explanations():
        shortfall = missing[0]
        raise SelfEvaluationError(
            f"“{shortfall.name}”未完成（{show_points(shortfall.completion)}%），须填写偏差原因分析及改进措施",
            shortfall.id,
        )


def completion_from_points(points: Decimal, weight: Decimal) -> Decimal:
    """Officers often think "13 of 15 points"; this is the completion that gives it."""
    weight = _number(weight, "分值")
    if weight <= 0:
        raise SelfEvaluationError("分值必须大于零", "分值")
    return check_band(_number(points, "得分") / weight * HUNDRED, "得分")


def read_actual(target: Target, text: str | Decimal | None) -> Decimal | None:
    """An actual as written (``≥90%``, ``31万人``) checked against the target's unit."""
    value, unit = parse_actual(text)
    if value is not None and unit and target.unit and unit != target.unit:
        raise SelfEvaluationError(f"实际完成值单位“{unit}”与指标值单位“{target.unit}”不一致", "实际完成值")
    return value


def combine_quantities(
    values_with_funding: Iterable[tuple[Decimal, Decimal]], unit: str | None
) -> Decimal | None:
    """Seed 004 note 2: absolute values add up; ratios (%) are averaged weighted by each
    unit's funding. With no funding at all, ratios fall back to a plain average."""
    pairs = [(_number(v, "完成值"), _number(f, "资金额度")) for v, f in values_with_funding]
    if not pairs:
        return None
    if any(f < 0 for _, f in pairs):
        raise SelfEvaluationError("资金额度不能为负数", "资金额度")
    if unit not in RATIO_UNITS:
        return sum((v for v, _ in pairs), ZERO)
    funding = sum((f for _, f in pairs), ZERO)
    if funding == 0:
        return sum((v for v, _ in pairs), ZERO) / len(pairs)
    return sum((v * f for v, f in pairs), ZERO) / funding


def combine_units(
    parts: Sequence[tuple[Decimal, Mapping[str, tuple[Decimal, str | None]]]],
) -> dict[str, tuple[Decimal | None, str | None]]:
    """Combine several units' actuals by indicator name: each part is (funding,
    {indicator: (value, unit)}). Units reporting one indicator in different units are
    refused rather than added up wrongly."""
    gathered: dict[str, list[tuple[Decimal, Decimal]]] = {}
    units: dict[str, str | None] = {}
    for funding, values in parts:
        for name, (value, unit) in values.items():
            if units.setdefault(name, unit) != unit:
                raise SelfEvaluationError(f"各单位“{name}”的单位不一致（{units[name]} / {unit}）", name)
            gathered.setdefault(name, []).append((value, funding))
    return {name: (combine_quantities(pairs, units[name]), units[name]) for name, pairs in gathered.items()}
