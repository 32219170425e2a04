"""The read-model rows of many events in far fewer statements.

The projector (``tracker.projections.projector.statements_for``) gives every event its
own statements: eight per payment. Written one by one, 100,000 payments would cost half
a million executions; merged, they cost a few thousand, in the same transaction as the
events, with the same result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tracker.domain.moments import utc_stamp
from tracker.domain.money import to_fen
from tracker.importing.state import chunks
from tracker.projections.known_sums import ADD_KNOWN
from tracker.projections.projector import ADD_DAILY, ADD_MONTHLY, statements_for
from tracker.store.payment_encoding import PAYMENT_EVENT

Statement = tuple[str, tuple[Any, ...]]

PARAMS_PER_STATEMENT = 900  # below SQLite's oldest limit of 999 bound parameters
# psycopg caches a parsed query only up to 50 parameters and parses a longer one anew on
# every execution (5 s for 100,000 payments): on PostgreSQL, smaller multi-row inserts.
PG_PARAMS_PER_STATEMENT = 50

# Statements that only add to one row: (positions of the row's key, positions added).
_ADDITIVE: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    ADD_DAILY: ((0, 1), (2, 3)),
    ADD_MONTHLY: ((0, 1), (2, 3)),
    **dict.fromkeys(ADD_KNOWN, ((0, 1, 2), (3, 4))),
}
_PLAIN_INSERT = re.compile(r"^INSERT INTO \w+ \([\w, ]+\) VALUES \(\?(?:, \?)*\)$")


def compact(statements: list[Statement], max_params: int = PARAMS_PER_STATEMENT) -> list[Statement]:
    """The same row changes in far fewer statements.

    Additions to one row (a project-day, a project-month)
    are summed into one; plain inserts become multi-row inserts. Any statement of
    another shape (an update that reads a row inserted before it, say) leaves the list
    exactly as it was, so merging can only be skipped, never wrong.
    """
    sums: dict[tuple[Any, ...], list[Any]] = {}
    inserts: dict[str, list[tuple[Any, ...]]] = {}
    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]] | None] = {}
    for sql, params in statements:
        try:
            spec = shapes[sql]
        except KeyError:
            spec = shapes[sql] = _ADDITIVE.get(sql)
            if spec is None and not _PLAIN_INSERT.match(sql):
                return statements
        if spec is None:
            rows = inserts.get(sql)
            if rows is None:
                rows = inserts[sql] = []
            rows.append(params)
            continue
        keys, added = spec
        key = (sql, *[params[i] for i in keys])
        row = sums.get(key)
        if row is None:
            sums[key] = list(params)
        else:
            for i in added:
                row[i] += params[i]
    additions: dict[str, list[tuple[Any, ...]]] = {}
    for key, row in sums.items():
        additions.setdefault(key[0], []).append(tuple(row))
    return _multi_row(inserts, max_params) + _multi_upsert(additions, max_params)


def _multi_row(inserts: dict[str, list[tuple[Any, ...]]], max_params: int) -> list[Statement]:
    out: list[Statement] = []
    for sql, rows in inserts.items():
        head, values = sql.split(" VALUES ", 1)
        per = max(1, max_params // max(1, len(rows[0])))
        for chunk in chunks(rows, per):
            flat: list[Any] = []
            for r in chunk:
                flat.extend(r)
            out.append((f"{head} VALUES {', '.join([values] * len(chunk))}", tuple(flat)))
    return out


def _multi_upsert(additions: dict[str, list[tuple[Any, ...]]], max_params: int) -> list[Statement]:
    """Additions to distinct rows (one per key, already summed) in multi-row upserts:
    at 1,000 projects a payment lands on a new project-day nearly every time, and one
    statement per project-day was a third of an import's time. The keys in one
    statement are distinct, so PostgreSQL's rule that an upsert may not touch a row
    twice holds; a single row keeps the projector's own statement."""
    out: list[Statement] = []
    for sql, rows in additions.items():
        one = "(" + ", ".join(["?"] * len(rows[0])) + ")"
        marker = f" VALUES {one} "
        if len(rows) == 1 or sql.count(marker) != 1:
            out.extend((sql, r) for r in rows)
            continue
        head, tail = sql.split(marker)
        per = max(1, max_params // len(rows[0]))
        for chunk in chunks(rows, per):
            if len(chunk) == 1:
                out.append((sql, chunk[0]))
                continue
            flat: list[Any] = []
            for r in chunk:
                flat.extend(r)
            out.append((f"{head} VALUES {', '.join([one] * len(chunk))} {tail}", tuple(flat)))
    return out


def merged_payments(events: Sequence[Any], max_params: int = PARAMS_PER_STATEMENT) -> list[Statement]:
    """``compact(statements_for(events))`` for one project's payment events, without
    making and then merging eight statements per event (a tenth of an import's time).

    The statements are the projector's own: those it makes for the first event are
    compared with the layout assumed here (eight statements: the day, the month, the
    payment row, its recording moment, its three sums by recording bucket, the request
    row) and give the SQL for the rest;
    anything else (another event, another layout) takes the projector's way, merged.
    """
    return merged_groups([events], max_params)


def merged_groups(groups: Sequence[Sequence[Any]], max_params: int = PARAMS_PER_STATEMENT) -> list[Statement]:
    """``merged_payments`` of several projects' payment events at once (each group one
    project's): the payment and request rows of all of them sorted together, so each
    insert lands next to the one before in the key's index (random uuids in event
    order made SQLite wander over the whole index: twice the time). A group of
    another shape is merged on its own, after the others."""
    payments: list[tuple[Any, ...]] = []
    moments: list[tuple[Any, ...]] = []
    requests: list[tuple[Any, ...]] = []
    days: dict[str, dict[str, int]] = {}
    known: dict[tuple[str, str, str], int] = {}  # (project, month, recording second) -> 分
    sqls: tuple[str, ...] = ()
    others: list[Statement] = []
    for events in groups:
        found = _payment_sqls(events)
        if found is None or (sqls and found != sqls):
            others += compact(statements_for(events), max_params)
            continue
        sqls = found
        pid = str(events[0].originator_id)
        per_day = days.setdefault(pid, {})
        for e in events:
            fen, iso, payment, moment, request = _rows(e, pid)
            payments.append(payment)
            moments.append(moment)
            requests.append(request)
            per_day[iso] = per_day.get(iso, 0) + fen
            key = (pid, iso[:7], moment[5][:19])
            known[key] = known.get(key, 0) + fen
    if not sqls:
        return others
    day_sql, month_sql, pay_sql, moment_sql, *known_sqls, request_sql = sqls
    payments.sort(key=_first)
    moments.sort(key=_first)
    requests.sort(key=_first)
    out = _multi_row({pay_sql: payments, moment_sql: moments, request_sql: requests}, max_params)
    return [
        *out,
        *_ledger(day_sql, month_sql, days, max_params),
        *_known(known_sqls, known, max_params),
        *others,
    ]


def _payment_sqls(events: Sequence[Any]) -> tuple[str, ...] | None:
    """The projector's eight statements for these events, if they are one project's
    payments laid out as assumed (see ``merged_payments``)."""
    first = events[0] if events else None
    if first is None or any(
        type(e) is not PAYMENT_EVENT or e.originator_id != first.originator_id for e in events
    ):
        return None
    sample = statements_for([first])
    if not _is_payment_layout(sample, _payment_params(first, str(first.originator_id))):
        return None
    return tuple(sql for sql, _ in sample)


def _rows(e: Any, pid: str) -> tuple[int, str, tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    """A payment event's amount in 分, its day, and its payment, recording-moment and
    request rows."""
    fen = to_fen(e.amount)
    iso = e.date.isoformat()
    request = e.request
    payment_id = str(e.payment_id)
    return (
        fen,
        iso,
        (payment_id, pid, iso, fen, e.payee, e.economic, e.voucher, e.source),
        (payment_id, pid, iso, 0, fen, utc_stamp(e.timestamp)),
        (request["id"], request["hash"], request["result"]),
    )


def _payment_params(e: Any, pid: str) -> tuple[tuple[Any, ...], ...]:
    """The parameters of the projector's eight statements for one payment event."""
    fen, iso, payment, moment, request = _rows(e, pid)
    stamp = moment[5]
    return (
        (pid, iso, 0, fen),
        (pid, iso[:7], 0, fen),
        payment,
        moment,
        *((pid, iso[:7], stamp[:width], 0, fen) for width in (7, 10, 19)),
        request,
    )


def _ledger(
    day_sql: str, month_sql: str, days: dict[str, dict[str, int]], max_params: int
) -> list[Statement]:
    """Each project's days' and months' sums, in the order ``compact`` lists them: the
    days by first appearance, then the months."""
    by_day: list[tuple[Any, ...]] = []
    by_month: list[tuple[Any, ...]] = []
    for pid, per_day in days.items():
        months: dict[str, int] = {}
        for iso, fen in per_day.items():
            by_day.append((pid, iso, 0, fen))
            months[iso[:7]] = months.get(iso[:7], 0) + fen
        by_month += [(pid, month, 0, fen) for month, fen in months.items()]
    return _multi_upsert({day_sql: by_day, month_sql: by_month}, max_params)


def _known(sqls: list[str], known: dict[tuple[str, str, str], int], max_params: int) -> list[Statement]:
    """The sums by recording month, day and second (``projections.known_sums``) of the
    payments summed by (project, month, second): the coarser buckets from those."""
    out: list[Statement] = []
    for sql, width in zip(sqls, (7, 10, 19), strict=True):
        rows: dict[tuple[str, str, str], int] = {}
        for (pid, month, second), fen in known.items():
            key = (pid, month, second[:width])
            rows[key] = rows.get(key, 0) + fen
        out += _multi_upsert({sql: [(*key, 0, fen) for key, fen in rows.items()]}, max_params)
    return out


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]


def _is_payment_layout(sample: list[Statement], params: tuple[tuple[Any, ...], ...]) -> bool:
    """The projector's statements for one payment are the eight assumed, in order, and
    the first two and the three sums by recording bucket are additions ``compact``
    would sum on the same keys."""
    if len(sample) != len(params) or any(p != mine for (_, p), mine in zip(sample, params, strict=False)):
        return False
    sqls = [sql for sql, _ in sample]
    return (
        _ADDITIVE.get(sqls[0]) == ((0, 1), (2, 3))
        and _ADDITIVE.get(sqls[1]) == ((0, 1), (2, 3))
        and all(_PLAIN_INSERT.match(s) for s in (*sqls[2:4], sqls[-1]))
        and tuple(sqls[4:7]) == ADD_KNOWN
    )
