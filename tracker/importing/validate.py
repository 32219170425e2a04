"""Validate a whole file before anything is recorded: typed rows, or every problem.

Pure: no database access. Two steps, so the caller can fetch exactly the database
state the file refers to:

1. ``parsing.parse_tables`` reads each data row into a typed record (``ProjectRow``,
   ``IndicatorRow``, ``PaymentRow``), collecting a ``Problem`` (row, column, reason)
   for every cell that cannot be understood;
2. ``check`` compares the records with the database state passed in (``DbState``:
   units, projects of the year with their daily budget and spending, payments by
   凭证号, indicators, request ids already used) and sorts them into what is new and
   what is already recorded; it adds the problems only the database can reveal
   (unknown project codes, a 凭证号 used by another payment, overspending).

Decisions (DOMAIN.md, "Spreadsheet import"):

- the fiscal year of a row comes from ``--year`` or its 预算年度 cell (both given and
  different: a problem);
- a unit cell ``450001保定市满城区医疗保障局本级`` is split into code and name, and the
  unit is created when missing;
- checkpoint values with ``%`` (or Excel percent cells) are percentages, otherwise
  cumulative 万元 amounts; an empty cell (or the dash the published tables print) is a
  blank checkpoint where it stands;
- two payment rows with the same 凭证号 (in one unit's books of one year) are
  duplicates; two identical rows with different 凭证号 (or both without one) are two
  payments.

Request ids (what makes a re-import record nothing) are derived from content, never
from the file name: a payment's from its 凭证号 when it has one, else from its content
and the how-manieth identical row it is (so a later, longer cumulative export of the
same books finds the same rows again even when rows were inserted above them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tracker.domain.errors import OverspendError
from tracker.domain.money import fmt_yuan_grouped, from_fen, to_fen, to_wan
from tracker.domain.plan import plan_spec
from tracker.domain.project import check_payment_fits
from tracker.importing.cells import name_key, nfkc
from tracker.importing.headroom import Headroom
from tracker.importing.layouts import PAYMENTS
from tracker.importing.records import (
    PLAN_COLUMN,
    DbState,
    IndicatorRow,
    Parsed,
    PaymentRow,
    Problem,
    ProjectRow,
    ProjectState,
    UnitRow,
    Validated,
)
from tracker.importing.request_ids import assign_payment_ids


def check(parsed: Parsed, db: DbState, fingerprint: Callable[[PaymentRow], str]) -> Validated:
    """Sort the records into new and already recorded; add the database's problems.

    ``fingerprint(row)`` is the service layer's own request hash of the row's ``pay``
    command (``BudgetTracker._request``), passed in to keep this module pure.
    """
    out = Validated(problems=list(parsed.problems), warnings=list(parsed.warnings))
    if not any(p.request_id for p in parsed.payments):
        assign_payment_ids(parsed, db)
    _check_units_and_projects(parsed, db, out)
    file_projects = {(p.year, p.code): p for p in parsed.projects}
    _check_indicators(parsed, db, out, file_projects)
    _check_payments(parsed, db, out, file_projects, fingerprint)
    order = {t.sheet: i for i, t in enumerate(parsed.tables)}
    out.problems.sort(key=lambda p: (order.get(p.sheet or "", -1), p.row or 0))
    return out


def _check_units_and_projects(parsed: Parsed, db: DbState, out: Validated) -> None:
    names_in_db: dict[str, list[str]] = {}
    for code, name in db.units.items():
        names_in_db.setdefault(nfkc(name), []).append(code)
    new_units: dict[str, UnitRow] = {}
    seen: dict[tuple[int, str], ProjectRow] = {}
    for p in parsed.projects:
        if not _resolve_unit(p, db, names_in_db, new_units, out):
            continue
        key = (p.year, p.code)
        if key in seen:
            out.problems.append(
                Problem(p.row, "项目编码", f"项目编码 {p.code} 与第{seen[key].row}行重复", p.sheet)
            )
            continue
        seen[key] = p
        _classify_project(p, db.projects.get(key), out)
    units_used = {p.unit_code for p in out.projects}
    out.units = [u for u in new_units.values() if u.code in units_used]
    out.present["units"] = len({p.unit_code for p in parsed.projects if p.unit_code in db.units})


def _resolve_unit(
    p: ProjectRow,
    db: DbState,
    names_in_db: dict[str, list[str]],
    new_units: dict[str, UnitRow],
    out: Validated,
) -> bool:
    """Settle the row's unit code (known, or new with its name); False after a problem."""
    column = "预算单位"
    if p.unit_code is None:
        assert p.unit_name is not None
        matches = names_in_db.get(nfkc(p.unit_name), []) + [
            u.code for u in new_units.values() if u.name == p.unit_name
        ]
        if len(set(matches)) != 1:
            out.problems.append(
                Problem(
                    p.row,
                    column,
                    f"“{p.unit_name}”缺少单位编码（应写成如 "
                    "450001保定市满城区医疗保障局本级），系统中也没有唯一的同名单位",
                    p.sheet,
                )
            )
            return False
        p.unit_code = matches[0]
    if p.unit_code in db.units:
        if p.unit_name and nfkc(p.unit_name) != nfkc(db.units[p.unit_code]):
            out.warnings.append(
                f"工作表“{p.sheet}”第{p.row}行：单位 {p.unit_code} 已登记为"
                f"“{db.units[p.unit_code]}”，文件写作“{p.unit_name}”，未更名"
            )
        return True
    first = new_units.get(p.unit_code)
    if first is not None:
        if p.unit_name and p.unit_name != first.name:
            out.problems.append(
                Problem(
                    p.row,
                    column,
                    f"单位 {p.unit_code} 的名称“{p.unit_name}”与第{first.row}行的“{first.name}”不一致",
                    p.sheet,
                )
            )
            return False
        return True
    if not p.unit_name:
        out.problems.append(
            Problem(
                p.row,
                column,
                f"预算单位 {p.unit_code} 不存在，且未给出单位名称"
                "（写成如 450001保定市满城区医疗保障局本级 即可新建）",
                p.sheet,
            )
        )
        return False
    new_units[p.unit_code] = UnitRow(p.sheet, p.row, p.unit_code, p.unit_name)
    return True


def _classify_project(p: ProjectRow, state: ProjectState | None, out: Validated) -> None:
    """New project (and its 年初预算), or one already recorded: compare, warn, change nothing."""
    if state is None:
        out.projects.append(p)
        if p.budget is not None:
            out.appropriations.append(p)
        return
    out.present["projects"] += 1
    for difference in _differences(p, state):
        out.warnings.append(f"工作表“{p.sheet}”第{p.row}行：项目 {p.code} 已存在，{difference}，未更改")
    if p.budget is None:
        return
    if state.initial_fen is None:
        out.appropriations.append(p)
        return
    out.present["appropriations"] += 1
    if state.initial_fen != to_fen(p.budget):
        out.warnings.append(
            f"工作表“{p.sheet}”第{p.row}行：项目 {p.code} 已记录年初预算 "
            f"{to_wan(Decimal(state.initial_fen) / 100)} 万元，文件为 {to_wan(p.budget)} 万元，未更改"
            "（调整请用 tracker budget --kind add/reduce）"
        )


def _differences(p: ProjectRow, s: ProjectState) -> list[str]:
    found = []
    pairs: list[tuple[str, Any, Any]] = [
        ("项目名称", p.name, s.name),
        ("预算单位", p.unit_code, s.unit_code),
        ("支出类型", p.expenditure_type, s.expenditure_type),
        ("功能分类科目", p.functional, s.functional),
        ("经济分类科目", p.economic, s.economic),
        ("资金来源", p.source, s.source),
    ]
    if p.owner is not None:
        pairs.append(("负责人", p.owner, s.owner))
    if p.plan is not None:
        pairs.append((PLAN_COLUMN, plan_spec(p.plan), s.plan or ""))
    for label, mine, theirs in pairs:
        if (mine or None) != (theirs or None):
            found.append(f"{label}（已记录“{theirs or ''}”，文件为“{mine or ''}”）")
    return found


def _at(where: Problem, column: str, reason: str) -> Problem:
    return Problem(where.row, column, reason, where.sheet)


def _check_indicators(
    parsed: Parsed, db: DbState, out: Validated, file_projects: dict[tuple[int, str], ProjectRow]
) -> None:
    seen: dict[tuple[int, str, str], IndicatorRow] = {}
    names: dict[tuple[int, str, str], IndicatorRow] = {}
    for i in parsed.indicators:
        where = Problem(i.row, None, "", i.sheet)
        if (i.year, i.code) not in db.projects and (i.year, i.code) not in file_projects:
            out.problems.append(_at(where, "项目编码", f"{i.year} 年没有编码为 {i.code} 的项目"))
            continue
        if i.key in seen:
            out.problems.append(_at(where, "三级指标", f"指标“{i.name}”与第{seen[i.key].row}行重复"))
            continue
        named = (i.year, i.code, name_key(i.name))
        if named in names:  # the same 三级 name under other levels: scored twice
            clash = f"{i.code} 的三级指标“{i.name}”与第{names[named].row}行重名"
            out.problems.append(_at(where, "三级指标", f"{clash}（同一项目内三级指标不能重名）"))
            continue
        names[named] = seen[i.key] = i
        recorded = db.indicator_names.get(named)
        if recorded is not None and recorded[0] != i.key[2]:
            out.problems.append(
                _at(
                    where,
                    "三级指标",
                    f"{i.code} 已有三级指标“{i.name}”（编号 {recorded[1]}，一级/二级不同），未重复添加",
                )
            )
            continue
        existing = db.indicators.get(i.key)
        if existing is None:
            out.indicators.append(i)
            continue
        out.present["indicators"] += 1
        target, weight = existing
        if target != i.target or (
            weight is not None and i.weight is not None and Decimal(weight) != i.weight
        ):
            out.warnings.append(
                f"工作表“{i.sheet}”第{i.row}行：指标“{i.name}”已存在（指标值“{target}”，"
                f"分值 {weight or '无'}），未更改"
            )


def _check_payments(
    parsed: Parsed,
    db: DbState,
    out: Validated,
    file_projects: dict[tuple[int, str], ProjectRow],
    fingerprint: Callable[[PaymentRow], str],
) -> None:
    seen_vouchers: dict[tuple[int, str, str], PaymentRow] = {}
    new: list[PaymentRow] = []
    for p in parsed.payments:
        key = (p.year, p.code)
        if key not in db.projects and key not in file_projects:
            out.problems.append(
                _payment_problem(p, _label(parsed, p, "code"), f"{p.year} 年没有编码为 {p.code} 的项目")
            )
            continue
        if p.voucher:
            vkey = (p.year, p.unit_code, p.voucher)
            if vkey in seen_vouchers:
                out.problems.append(
                    _payment_problem(
                        p,
                        _label(parsed, p, "voucher"),
                        f"凭证号 {p.voucher} 与第{seen_vouchers[vkey].row}行重复",
                    )
                )
                continue
            seen_vouchers[vkey] = p
        p.fingerprint = fingerprint(p)
        recorded = db.requests.get(p.request_id)
        if recorded is not None:
            if recorded == p.fingerprint:
                out.present["payments"] += 1
            else:
                out.problems.append(
                    _payment_problem(
                        p,
                        _label(parsed, p, "voucher"),
                        f"凭证号 {p.voucher} 已导入，但金额、日期、项目或收款人与已记录的不同"
                        if p.voucher
                        else "该行已导入，但内容与已记录的不同",
                    )
                )
            continue
        if p.voucher and (p.year, p.unit_code, p.voucher) in db.vouchers:
            existing = db.vouchers[(p.year, p.unit_code, p.voucher)]
            same = [
                e
                for e in existing
                if (e.project_code, e.date, e.amount_fen, e.payee)
                == (p.code, p.date.isoformat(), to_fen(p.amount), p.payee)
            ]
            if same:
                out.present["payments"] += 1
            else:
                e = existing[0]
                out.problems.append(
                    _payment_problem(
                        p,
                        _label(parsed, p, "voucher"),
                        f"凭证号 {p.voucher} 已被另一笔支付使用（项目 {e.project_code}，"
                        f"{e.date}，{fmt_yuan_grouped(Decimal(e.amount_fen) / 100)} 元）",
                    )
                )
            continue
        new.append(p)
    _check_overspend(parsed, db, out, new, file_projects)


def _payment_problem(p: PaymentRow, column: str, reason: str) -> Problem:
    return Problem(p.row, column, reason, p.sheet)


def _label(parsed: Parsed, p: PaymentRow, key: str) -> str:
    for t in parsed.tables:
        if t.sheet == p.sheet and t.kind == PAYMENTS:
            return t.label(key)
    return key


def _check_overspend(
    parsed: Parsed,
    db: DbState,
    out: Validated,
    new: list[PaymentRow],
    file_projects: dict[tuple[int, str], ProjectRow],
) -> None:
    """Every new payment must fit under the budget on every date from its own on, as
    the aggregate will check it: budget already recorded, plus the 年初预算 of this
    file, minus spending already recorded, open commitments and the file's earlier rows."""
    by_project: dict[tuple[int, str], list[PaymentRow]] = {}
    for p in new:
        by_project.setdefault((p.year, p.code), []).append(p)
    refused: set[int] = set()
    for key, payments in by_project.items():
        year = key[0]
        state = db.projects.get(key)
        deltas: dict[dt.date, int] = {}
        if state is not None:
            for iso, (budget, spent) in state.daily.items():
                day = dt.date.fromisoformat(iso)
                deltas[day] = deltas.get(day, 0) + budget - spent
            for iso, fen in state.committed.items():  # 已签合同未支付: not the import's to pay
                day = dt.date.fromisoformat(iso)
                deltas[day] = deltas.get(day, 0) - fen
        planned = file_projects.get(key)
        if (
            planned is not None
            and planned.budget is not None
            and (state is None or state.initial_fen is None)
        ):
            deltas[planned.approved] = deltas.get(planned.approved, 0) + to_fen(planned.budget)
        room = Headroom(year, deltas)
        if room.fits_all((p.date, to_fen(p.amount)) for p in payments):
            continue
        room = Headroom(year, deltas)
        # The same balances with commitments ignored, only to name the committed part.
        free = Headroom(year, _without_commitments(deltas, state))
        for p in payments:
            available = room.available_from(p.date)
            held = from_fen(free.available_from(p.date) - available)
            try:  # the domain's own rule, on the headroom's answer
                check_payment_fits(p.amount, p.date, from_fen(available), held)
            except OverspendError as e:
                refused.add(id(p))
                column = _label(parsed, p, "amount_wan" if _in_wan(parsed, p) else "amount_yuan")
                out.problems.append(Problem(p.row, column, f"项目 {p.code}：{e.message}", p.sheet))
            else:
                room.add(p.date, -to_fen(p.amount))
                free.add(p.date, -to_fen(p.amount))
    out.payments = [p for p in new if id(p) not in refused]


def _without_commitments(deltas: dict[dt.date, int], state: ProjectState | None) -> dict[dt.date, int]:
    """``deltas`` with the project's open commitments added back."""
    out = dict(deltas)
    for iso, fen in (state.committed if state is not None else {}).items():
        day = dt.date.fromisoformat(iso)
        out[day] = out.get(day, 0) + fen
    return out


def _in_wan(parsed: Parsed, p: PaymentRow) -> bool:
    return any(t.sheet == p.sheet and t.kind == PAYMENTS and "amount_wan" in t.columns for t in parsed.tables)
