"""Demo logins, one per role, so that the demo site can be explored from every side.

They exist only in a demo database (``tracker demo``): the passwords are printed on
the terminal and are not secrets. Creating them carries fixed request ids, so a second
demo run records nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.demo.data import UNIT_CODE


@dataclass(frozen=True)
class DemoLogin:
    name: str
    role: str
    label: str
    password: str
    units: tuple[str, ...]


DEMO_LOGINS = (
    DemoLogin("demo-officer", "officer", "财务人员", "demo-officer-2024", (UNIT_CODE,)),
    DemoLogin("demo-manager", "manager", "管理人员", "demo-manager-2024", (UNIT_CODE,)),
    DemoLogin("demo-auditor", "auditor", "审计人员", "demo-auditor-2024", ()),
    DemoLogin("demo-admin", "admin", "系统管理员", "demo-admin-2024", ()),
)


def add_demo_logins(app: Any, user: str = "演示数据") -> None:
    """Create the demo accounts if missing (idempotent on fixed request ids)."""
    existing = {a.name for a in app.accounts()}
    for login in DEMO_LOGINS:
        if login.name in existing:
            continue
        app.add_user(
            login.name,
            roles=[login.role],
            units=list(login.units),
            password=login.password,
            display_name=f"演示{login.label}",
            user=user,
            request_id=f"demo-user-{login.name}",
        )


def login_lines() -> list[str]:
    lines = ["演示账号（用户名 / 密码）："]
    lines += [f"  {x.label:<6} {x.name:<14} {x.password}" for x in DEMO_LOGINS]
    return lines
