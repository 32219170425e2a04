"""The typed records of an import: its rows, the database state they are checked
against, and the verdict (``Validated``). Plain data; the readers are in ``parsing``."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring as _json  # the C escaper json.dumps uses
from typing import Any
from uuid import UUID

from tracker.domain.money import to_fen
from tracker.domain.plan import Checkpoint
from tracker.importing.cells import indicator_key
from tracker.importing.layouts import Table

IMPORT_NOTE = "表格导入"
_IMPORT_NOTE_JSON = _json(IMPORT_NOTE)
NO_ID = UUID(int=0)
KINDS = ("units", "projects", "appropriations", "indicators", "payments")
PLAN_COLUMN = "资金支出计划"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (row and column as the user sees them) and why."""

    row: int | None
    column: str | None
    reason: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"列“{self.column}”")
        return ("，".join(where) + "：" if where else "") + self.reason


# ------------------------------------------------------------------ records


@dataclass
class UnitRow:
    sheet: str
    row: int
    code: str
    name: str


@dataclass
class ProjectRow:
    sheet: str
    row: int
    year: int
    code: str
    name: str
    unit_code: str | None
    unit_name: str | None
    expenditure_type: str
    functional: str | None
    economic: str | None
    source: str
    owner: str | None  # None: the file has no 负责人 column
    plan: list[Checkpoint] | None
    budget: Decimal | None  # 年初预算 in 元
    approved: dt.date
    doc: str

    @property
    def request_id(self) -> str:
        return f"import:project:{self.year}:{self.code}"

    @property
    def budget_request_id(self) -> str:
        return f"import:budget:{self.year}:{self.code}:initial"


@dataclass
class IndicatorRow:
    sheet: str
    row: int
    year: int
    code: str
    level1: str
    level2: str
    name: str
    target: str
    weight: Decimal | None
    description: str

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.year, self.code, indicator_key(self.level1, self.level2, self.name))

    @property
    def request_id(self) -> str:
        digest = hashlib.sha256(self.key[2].encode()).hexdigest()[:20]
        return f"import:indicator:{self.year}:{self.code}:{digest}"


@dataclass
class PaymentRow:
    sheet: str
    row: int
    year: int
    code: str
    date: dt.date
    amount: Decimal  # 元
    payee: str
    economic: str | None
    voucher: str
    source: str | None
    unit_code: str = ""
    request_id: str = ""
    fingerprint: str = ""
    project_id: UUID = NO_ID  # set with the request id (``assign_payment_ids``)
    payment_id: UUID = NO_ID
    project_key: str = ""  # the two as text, as the ledger keys them
    payment_key: str = ""

    @property
    def fen(self) -> int:
        return to_fen(self.amount)

    def command_args(self) -> dict[str, Any]:
        """Exactly the arguments ``BudgetTracker.pay`` fingerprints, so a request id
        recorded by the import is the same request as ``tracker pay --id`` with it."""
        return {
            "note": IMPORT_NOTE,
            "project": self.project_key,
            "amount": str(self.amount),
            "date": self.date.isoformat(),
            "payee": self.payee,
            "economic": self.economic,
            "voucher": self.voucher,
            "source": self.source,
        }

    def request(self) -> dict[str, str]:
        """The request as the event carries it: what ``BudgetTracker.pay`` would write."""
        return {"id": self.request_id, "hash": self.fingerprint, "result": self.payment_key}

    def request_hash(self) -> str:
        """The service layer's fingerprint of ``("pay", command_args())`` — sha256 of
        ``json.dumps([command, args], sort_keys=True, ensure_ascii=False)`` — spelled
        out in sorted order (a fifth of the cost of building and dumping the dict per
        row). ``run.fingerprinter`` compares it with the service layer's own first."""
        economic, source = self.economic, self.source
        blob = (
            f'["pay", {{"amount": {_json(str(self.amount))}, "date": "{self.date.isoformat()}", '
            f'"economic": {"null" if economic is None else _json(economic)}, "note": {_IMPORT_NOTE_JSON}, '
            f'"payee": {_json(self.payee)}, "project": {_json(self.project_key)}, '
            f'"source": {"null" if source is None else _json(source)}, "voucher": {_json(self.voucher)}}}]'
        )
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class Parsed:
    """What the rows say, before the database is asked."""

    tables: list[Table]
    projects: list[ProjectRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------- database state


@dataclass
class ProjectState:
    """A project already in the database, with what the import compares against."""

    year: int
    code: str
    unit_code: str
    name: str
    expenditure_type: str
    functional: str | None
    economic: str | None
    source: str
    owner: str
    plan: str | None  # plan_spec text, as the read model keeps it
    initial_fen: int | None  # sum of 年初预算 appropriations; None: there is none
    daily: dict[str, tuple[int, int]] = field(default_factory=dict)  # iso -> (budget, spent) 分
    committed: dict[str, int] = field(default_factory=dict)  # iso -> change of open commitments 分


@dataclass(frozen=True)
class ExistingPayment:
    project_code: str
    date: str
    amount_fen: int
    payee: str


@dataclass
class DbState:
    """The part of the database a file refers to (loaded by ``run``)."""

    units: dict[str, str] = field(default_factory=dict)  # code -> name
    projects: dict[tuple[int, str], ProjectState] = field(default_factory=dict)
    vouchers: dict[tuple[int, str, str], list[ExistingPayment]] = field(default_factory=dict)
    indicators: dict[tuple[int, str, str], tuple[str, str | None]] = field(default_factory=dict)
    # (year, project, name_key) -> (indicator_key, id) of the indicators already recorded
    indicator_names: dict[tuple[int, str, str], tuple[str, str]] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)  # request id -> fingerprint


@dataclass
class Validated:
    """What to record, in order, and what was found already recorded."""

    units: list[UnitRow] = field(default_factory=list)
    projects: list[ProjectRow] = field(default_factory=list)
    appropriations: list[ProjectRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
