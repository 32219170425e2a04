"""Refusals shown where they belong on a form, and the typing rules of the form doors.

The service layer refuses with a ``TrackerError`` whose ``field`` is a Chinese field
name (金额, 日期, 收款人 …). A form maps those names onto its own inputs, so the
message appears beside the box that needs fixing and in the error summary at the top
(GOV.UK: 有 2 处需要修改), while everything typed is shown again.

The typing rules (DOMAIN.md, "Input typed by a Chinese input method": full-width
digits read, ``_``, other scripts' digits and control characters refused) are the
domain's (``tracker.domain.characters``), applied by its parsers: a form refuses
exactly what the CLI, the import and the API refuse, with the same message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from flask import request

from tracker.domain.errors import DuplicateError, OverspendError, TrackerError
from tracker.domain.inputs import parse_text
from tracker.domain.money import parse_amount

FORM = "form"  # the anchor (the <form>'s id) of refusals that belong to no one field
EXPIRED = "表单已失效，请核对后重新提交。"
RESUBMITTED = "这张表单已提交过，且内容有改动。如确需再登记一笔，请核对后再次提交。"


EMPTY = "不能为空"


class FormErrors:
    """Messages by input name, filled from the service layer's refusals.

    ``fields`` maps a Chinese field name (``TrackerError.field``) to an input name;
    ``labels`` maps an input name to the label shown on the form; a refusal naming a
    field the form does not have lands on ``fallback`` (an anchor at the form's top).
    """

    def __init__(self, fields: Mapping[str, str], labels: Mapping[str, str], fallback: str) -> None:
        self.fields = fields
        self.labels = dict(labels)  # a form with rows adds its rows' labels as it reads them
        self.fallback = fallback
        self.messages: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self.messages)

    def __len__(self) -> int:
        return len(self.messages)

    def add(self, name: str, message: str) -> None:
        """The first message for an input wins: it is the one the user fixes first.

        The domain's bare "不能为空" (the CLI prints it after the field's name) says what
        to do beside the box instead: 请填写文号."""
        if message == EMPTY and self.labels.get(name):
            message = f"请填写{self.labels[name]}"
        self.messages.setdefault(name, message)

    def refuse(self, error: TrackerError, message: str | None = None) -> None:
        name = self.fields.get(error.field or "", self.fallback)
        self.add(name, message or error.message)

    def summary(self) -> dict[str, str]:
        """The error summary's lines: each names its field, since it stands alone."""
        out = {}
        for name, message in self.messages.items():
            label = self.labels.get(name, "")
            named = not label or message.startswith(label) or message == f"请填写{label}"
            out[name] = message if named else f"{label}：{message}"
        return out


class Submission:
    """One showing of a form: what was typed, its request id, the refusals so far.

    The request id is a fresh uuid4 on a new form and the posted one on a form shown
    again, so the same submission sent twice is one request for the service layer.
    """

    def __init__(self, fields: Mapping[str, str], labels: Mapping[str, str], *, blank: bool = False) -> None:
        """``blank``: a fresh form even while another form of the page is being posted."""
        self.errors = FormErrors(fields, labels, FORM)
        posted = request.method == "POST" and not blank
        form = request.form if posted else {}
        self.values: dict[str, str] = {k: v for k, v in form.items() if k != "csrf_token"}
        self.request_id = self.values.get("request_id", "") if posted else ""
        if not _is_uuid(self.request_id):
            if posted:
                self.errors.add(FORM, EXPIRED)
            self.request_id = str(uuid.uuid4())
        self.values["request_id"] = self.request_id

    def renew(self) -> None:
        """A new request id, after the old one was used for other contents."""
        self.errors.add(FORM, RESUBMITTED)
        self.request_id = self.values["request_id"] = str(uuid.uuid4())

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def check(self, name: str, parse: Callable[[], Any]) -> Any:
        """``parse()``'s result, or None with its refusal put beside ``name``."""
        try:
            return parse()
        except TrackerError as e:
            self.errors.add(name, e.message)
            return None

    def amount(self, name: str = "amount", *, wan: bool = False) -> Decimal | None:
        """An amount in 元 (typed in 万元 when ``wan``), read as the CLI reads it."""
        return self.check(name, lambda: parse_amount(self.text(name), wan=wan))

    def words(self, name: str, field: str, *, required: bool, limit: int, lines: bool = False) -> str:
        """Free text, trimmed, without control characters (line breaks where ``lines``)."""
        typed = self.text(name)
        found = self.check(
            name, lambda: parse_text(typed, field, required=required, limit=limit, lines=lines)
        )
        return found or ""

    def run(self, command: Callable[[], Any], overspend_hint: str = "") -> Any:
        """The command's result, or None with its refusal put where it belongs.

        The same request id with other contents (the form sent, then changed and sent
        again) is refused by the service layer; the form then gets a new id and asks
        the user to confirm, rather than silently recording a second entry.
        """
        try:
            return command()
        except DuplicateError as e:
            if e.field != "请求编号":
                self.errors.refuse(e)
                return None
            self.renew()
        except OverspendError as e:
            self.errors.refuse(e, e.message + overspend_hint)
        except TrackerError as e:
            self.errors.refuse(e)
        return None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
