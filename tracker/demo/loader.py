"""``tracker demo``: a year of believable data for 保定市满城区医疗保障局本级 (2024).

The unit, its projects (the eight 项目支出 of seed 003 plus one 基本支出 line per
经济分类 款, see ``tracker.demo.basic``) and their budgets come from ``tracker.demo.data``.
Payments are invented, but follow each project's spending plan (linear between
checkpoints, blank checkpoints skipped) times a per-project performance factor, so
that at year end some projects are on plan, some lag and one (办公室整修) is badly
behind; one payment is partly returned (退回) to show how corrections are recorded.

Everything is deterministic: the whole year is generated from ``random.Random(2024)``
whatever ``--until`` says (only what falls on or before it is recorded), and every
command carries a fixed request id, so a second run records nothing new and a later,
longer ``--until`` only adds the missing payments.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol
from urllib.parse import urlparse, urlunparse
from uuid import UUID

from tracker.cli.formatting import table
from tracker.demo.basic import LINE_OF, PERSONNEL_LINES, BasicLine
from tracker.demo.data import BASIC_PROJECTS, PROJECTS, UNIT_CODE, UNIT_NAME, YEAR, DemoProject
from tracker.demo.performance import seed_targets
from tracker.domain.errors import DuplicateError, InvalidInputError
from tracker.domain.inputs import parse_date
from tracker.domain.money import FEN, fmt_yuan_grouped, from_fen, to_wan
from tracker.domain.plan import parse_plan
from tracker.queries.project_view import rate
from tracker.store.config import Settings, is_postgres

SQLITE_PREFIX = "sqlite:///"
FIRST_PAYMENT_DAY = dt.date(YEAR, 1, 16)
YEAR_START = dt.date(YEAR - 1, 12, 31)  # the plan starts from 0 at the end of this day
YEAR_END = dt.date(YEAR, 12, 31)
INITIAL_DAY = dt.date(YEAR, 1, 15)
INITIAL_DOC = "满财预【2024】1号"
ADVANCE_DAY = dt.date(YEAR, 1, 2)  # 提前下达: 上年末下达、年初入账的转移支付指标
SEED = 2024

ALL_PROJECTS: tuple[DemoProject, ...] = PROJECTS + BASIC_PROJECTS


class DemoContext(Protocol):
    """What ``run_demo`` needs of the CLI's ``Context``."""

    settings: Settings

    @property
    def app(self) -> Any: ...


# --------------------------------------------------------------- the schedule


@dataclass(frozen=True)
class Payment:
    code: str
    n: int  # position in the project's year, for the request id
    date: dt.date
    amount: Decimal
    payee: str
    economic: str
    note: str
    voucher: str = ""


@dataclass(frozen=True)
class Reversal:
    code: str
    payment: Payment
    amount: Decimal
    date: dt.date
    reason: str


@dataclass(frozen=True)
class Slot:
    """A planned payment: its date, payee and memo; the amount comes from the plan."""

    date: dt.date
    payee: str
    note: str
    share: Decimal | None = None  # a fixed share of the month's amount (salaries)
    fixed: Decimal | None = None  # a fixed amount (a contract price)


@dataclass(frozen=True)
class Behaviour:
    """How a project spends: its performance against plan and its payment rhythm."""

    factor: Decimal  # year-end execution as a share of the plan
    slots: Callable[[random.Random], list[Slot]]
    step: Decimal = FEN  # amounts are multiples of this (fund transfers: whole 万元)
    jitter: tuple[float, float] = (0.85, 1.15)


@dataclass
class Schedule:
    payments: list[Payment] = field(default_factory=list)
    reversal: Reversal | None = None


def _days(month: int, days: tuple[int, ...]) -> list[dt.date]:
    return [dt.date(YEAR, month, d) for d in days]


# 2024 public holidays (法定节假日); make-up working Saturdays are ignored.
HOLIDAYS = frozenset(
    dt.date(YEAR, m, d)
    for m, days in (
        (1, (1,)),
        (2, range(10, 18)),
        (4, range(4, 7)),
        (5, range(1, 6)),
        (6, (10,)),
        (9, range(15, 18)),
        (10, range(1, 8)),
    )
    for d in days
)


def _off(day: dt.date) -> bool:
    return day.weekday() >= 5 or day in HOLIDAYS


def _workday(day: dt.date) -> dt.date:
    """Move a day off to the next working day (or back to the last one at year end)."""
    while _off(day):
        day += dt.timedelta(days=1)
    if day.year != YEAR:
        day = YEAR_END
        while _off(day):
            day -= dt.timedelta(days=1)
    return day


def _every(weekday: int, start: dt.date = FIRST_PAYMENT_DAY) -> Iterator[dt.date]:
    day = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    while day <= YEAR_END:
        yield day
        day += dt.timedelta(days=7)


def _monthly(line: BasicLine) -> Callable[[random.Random], list[Slot]]:
    """A 基本支出 line: paid once in each of its months, on its day."""

    def slots(_: random.Random) -> list[Slot]:
        return [
            Slot(
                _workday(dt.date(YEAR, m, max(line.day, 16) if m == 1 else line.day)),
                line.payee,
                f"{m}月{line.name}",
            )
            for m in line.months
        ]

    return slots


def _cleaning(_: random.Random) -> list[Slot]:
    return [
        Slot(
            _workday(dt.date(YEAR, m, 25)),
            "保定市满城区某物业服务有限公司",
            f"{m}月保安保洁服务费（2人）",
            fixed=Decimal("4600.00"),
        )
        for m in range(1, 13)
    ]


def _renovation(_: random.Random) -> list[Slot]:
    return [
        Slot(dt.date(YEAR, 6, 26), "河北某装饰工程有限公司", "2021年办公室整修工程款（第一期）"),
        Slot(dt.date(YEAR, 9, 12), "保定某工程造价咨询有限公司", "整修工程结算审计费"),
        Slot(dt.date(YEAR, 10, 29), "河北某装饰工程有限公司", "2021年办公室整修工程款（第二期）"),
        Slot(dt.date(YEAR, 12, 26), "河北某装饰工程有限公司", "2021年办公室整修工程款（第三期）"),
    ]


def _capacity(rng: random.Random) -> list[Slot]:
    kinds = (
        ("保定市满城区医疗保障事务中心", "医保经办服务委托费"),
        ("河北某信息技术有限公司", "医保信息平台运维服务费"),
        ("保定市满城区医疗保障事务中心", "定点医药机构稽核、培训费"),
        ("保定市某文化传媒有限公司", "医保政策宣传、发布会费用"),
    )
    slots = []
    for m in range(2, 13):
        for day in sorted(rng.sample(range(5, 28), rng.randint(1, 2))):
            payee, note = rng.choice(kinds)
            slots.append(Slot(_workday(dt.date(YEAR, m, day)), payee, note))
    return slots


def _resident_fund(_: random.Random) -> list[Slot]:
    return [
        Slot(
            _workday(dt.date(YEAR, m, 18 if m > 1 else 26)),
            "满城区财政局社保基金专户",
            f"城乡居民医保基金区级配套资金拨付（第{m}批）",
        )
        for m in range(1, 13)
    ]


def _weekly_aid(weekday: int, note: str) -> Callable[[random.Random], list[Slot]]:
    def slots(_: random.Random) -> list[Slot]:
        return [
            Slot(d, "医疗救助对象（批量发放）", f"{note}（{d.month}月{d.day}日批次）")
            for d in _every(weekday)
        ]

    return slots


def _twice_weekly_aid(_: random.Random) -> list[Slot]:
    days = sorted([*_every(1), *_every(4)])
    return [
        Slot(d, "医疗救助对象（批量发放）", f"门诊、住院医疗费救助（{d.month}月{d.day}日批次）") for d in days
    ]


def _premium_aid(_: random.Random) -> list[Slot]:
    return [
        Slot(
            _workday(dt.date(YEAR, m, 8)),
            "满城区财政局社保基金专户",
            f"特困、低保、返贫致贫人口资助参保资金（{m}月）",
        )
        for m in range(1, 13)
    ]


def _disabled_premium(_: random.Random) -> list[Slot]:
    return [
        Slot(
            _workday(dt.date(YEAR, m, 12)),
            "中国人寿保险股份有限公司保定分公司",
            f"重度残疾人参保资助（{m}月结算）",
        )
        for m in range(1, 13)
    ]


def _behaviours() -> dict[str, Behaviour]:
    """Per project: 100% on plan, lagging (60–85%), or badly behind (≈40%)."""
    basic = {
        code: Behaviour(Decimal("1.00") if line in PERSONNEL_LINES else Decimal("0.95"), _monthly(line))
        for code, line in LINE_OF.items()
    }
    return basic | {
        "13062124P00495310005H": Behaviour(Decimal("0.40"), _renovation, step=Decimal(100)),
        "13062124P00495310004X": Behaviour(Decimal("1.00"), _cleaning),
        "13062124P00X0C810031G": Behaviour(Decimal("0.72"), _capacity),
        "13062124P00E8LT100137": Behaviour(
            Decimal("1.00"), _resident_fund, step=Decimal(10000), jitter=(0.9, 1.1)
        ),
        "13062124P00E8LT10017M": Behaviour(Decimal("0.82"), _weekly_aid(2, "城乡医疗救助资金发放")),
        "13062124P00E8LT10014T": Behaviour(Decimal("0.98"), _twice_weekly_aid),
        "13062124P00E8LT10015E": Behaviour(Decimal("1.00"), _premium_aid, step=Decimal(380)),
        "13062124P00E8LT100162": Behaviour(Decimal("0.65"), _disabled_premium),
    }


# The one partial reversal (退回): a batch of 医疗救助 with wrong bank details.
REVERSAL_CODE = "13062124P00E8LT10017M"
REVERSAL_AFTER = dt.date(YEAR, 5, 1)  # the first batch paid on or after this date
REVERSAL_DELAY = dt.timedelta(days=6)
REVERSAL_REASON = "3名救助对象银行账户信息有误，资金被银行退回，核实后重新发放"


def planned_amount(p: DemoProject, day: dt.date) -> Decimal:
    """Cumulative planned spending at the end of ``day`` (linear between checkpoints)."""
    budget = p.budget_yuan
    points = [(YEAR_START, Decimal(0))]
    for c in parse_plan(p.plan_spec, YEAR):
        if c.is_blank:
            continue
        value = c.amount if c.amount is not None else budget * c.percent / 100  # type: ignore[operator]
        points.append((c.date, value))
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if day <= d1:
            return v0 + (v1 - v0) * Decimal((day - d0).days) / Decimal((d1 - d0).days)
    return points[-1][1]


def _down(amount: Decimal, step: Decimal) -> Decimal:
    return ((amount / step).to_integral_value(rounding=ROUND_DOWN) * step).quantize(FEN)


def _month_end(month: int) -> dt.date:
    if month == 12:
        return YEAR_END
    return dt.date(YEAR, month + 1, 1) - dt.timedelta(days=1)


class _Cursor:
    """Where one project stands while its year is generated."""

    def __init__(self, p: DemoProject, how: Behaviour, rng: random.Random) -> None:
        self.p, self.how, self.rng = p, how, rng
        self.factor = how.factor
        if self.factor < 1:  # lagging projects do not end on a round rate
            self.factor += Decimal(str(round(rng.uniform(-0.03, 0.03), 4)))
        self.goal = (p.budget_yuan * self.factor).quantize(FEN)
        self.paid = Decimal(0)
        self.month_total: dict[int, Decimal] = {}
        self.month_left: dict[int, Decimal] = {}

    def target(self, day: dt.date) -> Decimal:
        return min(self.goal, self.factor * planned_amount(self.p, day))

    def amount(self, slot: Slot, last_of_month: bool, last: bool) -> Decimal:
        """The amount of one planned payment, before it is capped at what remains."""
        if slot.fixed is not None:
            return slot.fixed
        if slot.share is not None:
            # Salaries: the month's amount (plan at month end) split in fixed shares,
            # the month's last payment taking what is left of it.
            m = slot.date.month
            if m not in self.month_total:
                self.month_total[m] = self.month_left[m] = self.target(_month_end(m)) - self.paid
            amount = self.month_left[m]
            if not last_of_month:
                amount = (self.month_total[m] * slot.share).quantize(FEN, rounding=ROUND_DOWN)
            self.month_left[m] -= amount
            return amount
        if last:
            return self.goal - self.paid
        wobble = Decimal(str(round(self.rng.uniform(*self.how.jitter), 3)))
        return _down((self.target(slot.date) - self.paid) * wobble, self.how.step)


def project_schedule(p: DemoProject, how: Behaviour, rng: random.Random) -> Schedule:
    """The whole year's payments of one project (before vouchers are numbered)."""
    cur = _Cursor(p, how, rng)
    slots = sorted(
        (
            s
            for s in (replace(s, date=_workday(s.date)) for s in how.slots(rng))
            if FIRST_PAYMENT_DAY <= s.date <= YEAR_END
        ),
        key=lambda s: s.date,
    )
    schedule = Schedule()
    pending: Reversal | None = None
    for i, slot in enumerate(slots):
        if pending is not None and slot.date >= pending.date and schedule.reversal is None:
            schedule.reversal = pending
            cur.paid -= pending.amount
        last = i == len(slots) - 1
        last_of_month = last or slots[i + 1].date.month != slot.date.month
        amount = cur.amount(slot, last_of_month, last)
        amount = min(amount, cur.goal - cur.paid).quantize(FEN, rounding=ROUND_DOWN)
        if amount <= 0:
            continue
        payment = Payment(p.code, i + 1, slot.date, amount, slot.payee, p.economic, slot.note)
        schedule.payments.append(payment)
        cur.paid += amount
        if p.code == REVERSAL_CODE and pending is None and slot.date >= REVERSAL_AFTER:
            part = min(Decimal("2460.00"), (amount / 3).quantize(FEN))
            pending = Reversal(p.code, payment, part, slot.date + REVERSAL_DELAY, REVERSAL_REASON)
    if pending is not None and schedule.reversal is None:
        schedule.reversal = pending
    return schedule


def year_schedule() -> tuple[list[Payment], list[Reversal]]:
    """Every demo payment of the year, with voucher numbers 记-2024-MM-NNN by month."""
    rng = random.Random(SEED)
    behaviours = _behaviours()
    raw: list[Payment] = []
    reversals: list[Reversal] = []
    for p in ALL_PROJECTS:
        s = project_schedule(p, behaviours[p.code], rng)
        raw.extend(s.payments)
        if s.reversal is not None:
            reversals.append(s.reversal)
    order = {p.code: i for i, p in enumerate(ALL_PROJECTS)}
    raw.sort(key=lambda x: (x.date, order[x.code], x.n))
    numbered: list[Payment] = []
    counters: dict[int, int] = {}
    renamed: dict[tuple[str, int], Payment] = {}
    for x in raw:
        counters[x.date.month] = counters.get(x.date.month, 0) + 1
        voucher = f"记-{YEAR}-{x.date.month:02d}-{counters[x.date.month]:03d}"
        y = Payment(x.code, x.n, x.date, x.amount, x.payee, x.economic, x.note, voucher)
        numbered.append(y)
        renamed[(x.code, x.n)] = y
    reversals = [
        Reversal(r.code, renamed[(r.code, r.payment.n)], r.amount, r.date, r.reason) for r in reversals
    ]
    return numbered, reversals


# ------------------------------------------------------------------ running


def parse_until(text: str) -> dt.date:
    day = parse_date(text, "--until")
    if day.year != YEAR:
        raise InvalidInputError(f"必须是 {YEAR} 年内的日期（演示数据只有 {YEAR} 年）", "--until")
    return day


def reset_database(ctx: DemoContext) -> str | None:
    """Delete the SQLite file (and its -wal/-shm); returns the path deleted, if any."""
    url = ctx.settings.db_url
    if is_postgres(url):
        raise InvalidInputError(
            "只能删除 SQLite 数据库文件；PostgreSQL 数据库请手动删除后重建"
            "（如 dropdb 库名 && createdb 库名），再运行 tracker demo（不加 --reset）",
            "--reset",
        )
    if not url.startswith(SQLITE_PREFIX):
        raise InvalidInputError(f"不支持的数据库地址“{url}”", "--reset")
    path = url[len(SQLITE_PREFIX) :]
    if not path or path.startswith("file:") or ":memory:" in path:
        return None
    opened = getattr(ctx, "_app", None)
    if opened is not None:  # never the case from the CLI, but do not pull a file from under it
        opened.close()
        ctx._app = None  # type: ignore[attr-defined]
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + suffix)
    return path


def shown_url(url: str) -> str:
    """The database address without its password."""
    if not is_postgres(url):
        return url
    parts = urlparse(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunparse(parts._replace(netloc=netloc))


def seed(app: Any, until: dt.date, *, targets: bool = True) -> None:
    """Record the unit, projects, budgets, the seed's performance targets (unless
    ``targets`` is false: a test that brings its own) and payments up to ``until``
    (idempotent)."""
    app.add_unit(UNIT_CODE, UNIT_NAME, request_id=f"demo:unit:{UNIT_CODE}", note="演示数据（tracker demo）")
    for p in ALL_PROJECTS:
        app.add_project(
            year=YEAR,
            unit=UNIT_CODE,
            code=p.code,
            name=p.name,
            expenditure_type=p.expenditure_type,
            functional=p.functional,
            economic=p.economic,
            source=p.source,
            owner=p.owner,
            plan=p.plan_spec,
            note=p.purpose,
            request_id=f"demo:project:{YEAR}:{p.code}",
        )
        doc, day, note = INITIAL_DOC, INITIAL_DAY, "年初预算"
        for advance in ("保财社【2023】111号", "保财社【2023】138号"):
            if advance in p.name:
                doc, day, note = advance, ADVANCE_DAY, "提前下达转移支付指标，列入年初预算"
        app.appropriate(
            p.code,
            p.budget_yuan,
            date=day,
            kind="initial",
            doc=doc,
            year=YEAR,
            note=note,
            request_id=f"demo:budget:{YEAR}:{p.code}:initial",
        )

    if targets:
        seed_targets(app, until)
    payments, reversals = year_schedule()
    by_project: dict[str, list[Payment | Reversal]] = {}
    entries: list[Payment | Reversal] = [*payments, *reversals]
    for entry in entries:
        if entry.date <= until:
            by_project.setdefault(entry.code, []).append(entry)
    for code, items in by_project.items():
        # In date order, so that later payments may use the money a reversal returned.
        items.sort(key=lambda e: (e.date, isinstance(e, Reversal)))
        ids: dict[int, UUID] = {}
        for item in items:
            if isinstance(item, Payment):
                ids[item.n] = app.pay(
                    code,
                    item.amount,
                    date=item.date,
                    payee=item.payee,
                    economic=item.economic,
                    voucher=item.voucher,
                    year=YEAR,
                    note=item.note,
                    request_id=f"demo:pay:{YEAR}:{code}:{item.n}",
                )
            else:
                app.reverse(
                    ids[item.payment.n],
                    item.amount,
                    date=item.date,
                    reason=item.reason,
                    request_id=f"demo:reverse:{YEAR}:{code}:{item.payment.n}",
                )


def summary(ctx: DemoContext, until: dt.date) -> list[str]:
    app = ctx.app
    rows = {r["code"]: r for r in app.projects(YEAR, UNIT_CODE)}
    body = []
    total_budget = total_paid = 0
    total_count = 0
    corrections = []
    for p in ALL_PROJECTS:
        r = rows[p.code]
        view = app.show(p.code, YEAR)
        count = len(view["payments"])
        for pay in view["payments"]:
            if Decimal(pay["reversed"]) > 0:
                corrections.append(
                    f"  {p.code} {p.name}：{pay['date']} 凭证 {pay['voucher']} 支付 "
                    f"{fmt_yuan_grouped(Decimal(pay['amount']))} 元，其中 "
                    f"{fmt_yuan_grouped(Decimal(pay['reversed']))} 元已退回（冲销）"
                )
        budget, paid = from_fen(r["budget_fen"]), from_fen(r["disbursed_fen"])
        total_budget += r["budget_fen"]
        total_paid += r["disbursed_fen"]
        total_count += count
        body.append(
            [
                p.code,
                p.name,
                fmt_yuan_grouped(budget),
                fmt_yuan_grouped(paid),
                f"{rate(paid, budget)}%",
                count,
            ]
        )
    tb, tp = from_fen(total_budget), from_fen(total_paid)
    body.append(
        [
            "合计",
            f"{len(ALL_PROJECTS)} 个项目",
            fmt_yuan_grouped(tb),
            fmt_yuan_grouped(tp),
            f"{rate(tp, tb)}%",
            total_count,
        ]
    )

    prefix = "tracker"
    if ctx.settings.db_url != Settings.from_env().db_url:
        prefix = f"tracker --db {shown_url(ctx.settings.db_url)}"
    lines = [
        f"演示数据库：{shown_url(ctx.settings.db_url)}",
        f"预算单位：{UNIT_CODE} {UNIT_NAME}（{YEAR} 年度）",
        f"支付数据截至：{until.isoformat()}（自 {FIRST_PAYMENT_DAY.isoformat()} 起）",
        "",
        table(
            ["项目编码", "项目名称", "全年预算(元)", "已支付(元)", "执行率", "支付笔数"],
            body,
            right=(2, 3, 4, 5),
        ),
        "",
        f"全年预算合计 {fmt_yuan_grouped(tb)} 元（{to_wan(tb):,.2f}万元），"
        f"已支付 {fmt_yuan_grouped(tp)} 元，执行率 {rate(tp, tb)}%。",
    ]
    if corrections:
        lines += ["", "更正示例（退回）：", *corrections]
    lines += [
        "",
        "接下来可以试试：",
        f"  {prefix} show 13062124P00495310005H      办公室整修：计划首个检查点为空，进度严重滞后",
        f"  {prefix} history {REVERSAL_CODE}   医疗救助：每一笔支付及退回，谁、何时记录",
        f"  {prefix} project list --year {YEAR}",
        f"  {prefix} status --year {YEAR} --as-of {YEAR}-06-30     各项目执行率、序时进度与预警状态",
        f"  {prefix} alerts check --as-of {YEAR}-06-30            检查滞后并产生预警",
        f"  {prefix} export function --year {YEAR} -o 支出总表.xlsx  导出公开报表",
        "再次运行 tracker demo 不会重复记录；加 --reset 可删除 SQLite 数据库后重新生成。",
    ]
    return lines


def run_demo(
    ctx: DemoContext, *, until: str, reset: bool, echo: Callable[[str], Any], targets: bool = True
) -> None:
    """Seed the demo unit's 2024 ledger up to ``until`` and print a summary."""
    day = parse_until(until)
    if reset:
        reset_database(ctx)  # before ctx.app opens the database
    try:
        seed(ctx.app, day, targets=targets)
    except DuplicateError as e:
        raise DuplicateError(
            f"{e.message}。数据库中已有不是由 tracker demo 生成的同编码数据，"
            "请换一个数据库（--db）或对 SQLite 使用 --reset",
            e.field,
        ) from e
    for line in summary(ctx, day):
        echo(line)
