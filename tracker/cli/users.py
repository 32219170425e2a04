"""Accounts, roles and API tokens from the terminal: ``tracker user …``, ``tracker token …``.

Passwords are read from standard input (``--password-stdin``, one line), never from
the command line, where they would land in the shell history and the process list.
Nothing secret is printed, except a new API token, once, alone on the last line so a
script can take it with ``tail -n1``.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from tracker.cli.base import FORMAT, Context, TrackerGroup, cli, pass_ctx
from tracker.cli.formatting import echo, table, to_json
from tracker.domain.errors import InvalidInputError
from tracker.domain.user import scope_text
from tracker.queries import SHANGHAI
from tracker.queries.users import Account, TokenInfo

ROLE_HELP = "角色：officer（财务人员）、manager（管理人员）、auditor（审计人员）、admin（系统管理员）"


def read_password(from_stdin: bool) -> str:
    """One line of standard input, without its line ending (spaces are kept)."""
    if not from_stdin:
        raise InvalidInputError("请用 --password-stdin 从标准输入提供密码（一行）", "密码")
    line: str = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


def local_time(stamp: str) -> str:
    """A stored UTC time as Beijing time, to the second."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone(SHANGHAI).isoformat(sep=" ", timespec="seconds")


def roles_text(account: Account) -> str:
    return "；".join(scope_text(role, list(units)) for role, units in account.role_units)


def account_json(account: Account) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "name": account.name,
        "display_name": account.display_name,
        "roles": list(account.roles),
        "units": list(account.units),
        "role_units": {role: list(units) for role, units in account.role_units},
        "disabled": account.disabled,
        "created_at": local_time(account.created_at),
    }


def token_json(token: TokenInfo) -> dict[str, Any]:
    return {
        "id": str(token.id),
        "label": token.label,
        "created_at": local_time(token.created_at),
        "revoked": token.revoked,
    }


# -------------------------------------------------------------------- users


@cli.group(cls=TrackerGroup)
def user() -> None:
    """用户与角色。"""


@user.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help=ROLE_HELP + "；可重复")
@click.option("--unit", "units", multiple=True, help="单位编码（财务人员、管理人员必填；可重复）")
@click.option("--password-stdin", "password_stdin", is_flag=True, help="从标准输入读取密码（一行）")
@click.option("--display-name", "display_name", default="", help="姓名")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号（重复提交不会重复记录）")
@pass_ctx
def user_add(
    c: Context,
    name: str,
    roles: tuple[str, ...],
    units: tuple[str, ...],
    password_stdin: bool,
    display_name: str,
    note: str,
    request_id: str | None,
) -> None:
    """添加用户（密码至少 10 个字符，从标准输入读取）。"""
    password = read_password(password_stdin)
    uid = c.app.add_user(
        name,
        roles=list(roles),
        units=list(units),
        password=password,
        display_name=display_name,
        note=note,
        request_id=request_id,
    )
    account = c.app.account(name)
    echo(f"已添加用户 {name}：{roles_text(account) if account else ''}")
    echo(str(uid))


@user.command("list")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def user_list(c: Context, fmt: str) -> None:
    """列出用户及其角色、单位（不含密码）。"""
    accounts = c.app.accounts()
    if fmt == "json":
        echo(to_json([account_json(a) for a in accounts]))
        return
    echo(
        table(
            ["用户名", "姓名", "角色", "状态", "创建时间"],
            [
                [
                    a.name,
                    a.display_name,
                    roles_text(a),
                    "已停用" if a.disabled else "正常",
                    local_time(a.created_at),
                ]
                for a in accounts
            ],
        )
    )


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", "password_stdin", is_flag=True, help="从标准输入读取新密码（一行）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def user_passwd(c: Context, name: str, password_stdin: bool, note: str, request_id: str | None) -> None:
    """修改用户密码（至少 10 个字符，从标准输入读取）。"""
    password = read_password(password_stdin)
    uid = c.app.change_password(name, password, note=note, request_id=request_id)
    echo(f"已修改用户 {name} 的密码")
    echo(str(uid))


@user.command("disable")
@click.argument("name")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def user_disable(c: Context, name: str, note: str, request_id: str | None) -> None:
    """停用用户：不能再登录，其令牌也不能再用。"""
    uid = c.app.disable_user(name, note=note, request_id=request_id)
    echo(f"已停用用户 {name}")
    echo(str(uid))


@user.command("enable")
@click.argument("name")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def user_enable(c: Context, name: str, note: str, request_id: str | None) -> None:
    """重新启用已停用的用户。"""
    uid = c.app.enable_user(name, note=note, request_id=request_id)
    echo(f"已启用用户 {name}")
    echo(str(uid))


@user.command("grant")
@click.argument("name")
@click.option("--role", required=True, help=ROLE_HELP)
@click.option("--unit", "units", multiple=True, help="单位编码（财务人员、管理人员必填；可重复）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def user_grant(
    c: Context, name: str, role: str, units: tuple[str, ...], note: str, request_id: str | None
) -> None:
    """授予角色；已有该角色时，其单位改为本次指定的单位。"""
    uid = c.app.grant_role(name, role, list(units), note=note, request_id=request_id)
    account = c.app.account(name)
    echo(f"已授予用户 {name} 角色；现有角色：{roles_text(account) if account else ''}")
    echo(str(uid))


@user.command("withdraw")
@click.argument("name")
@click.option("--role", required=True, help=ROLE_HELP)
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def user_withdraw(c: Context, name: str, role: str, note: str, request_id: str | None) -> None:
    """撤销角色（不能撤销最后一个角色；如需禁止登录请停用用户）。"""
    uid = c.app.withdraw_role(name, role, note=note, request_id=request_id)
    account = c.app.account(name)
    echo(f"已撤销用户 {name} 的角色；现有角色：{roles_text(account) if account else ''}")
    echo(str(uid))


# ------------------------------------------------------------------- tokens


@cli.group(cls=TrackerGroup)
def token() -> None:
    """API 令牌（用于 Authorization: Bearer）。"""


@token.command("create")
@click.argument("name")
@click.option("--label", default="", help="标签（用途说明）")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def token_create(c: Context, name: str, label: str, note: str, request_id: str | None) -> None:
    """为用户创建 API 令牌；令牌只显示这一次（最后一行）。"""
    token_id, text = c.app.create_token(name, label=label, note=note, request_id=request_id)
    echo(f"已为用户 {name} 创建令牌，编号 {token_id}；令牌只显示这一次，请妥善保存：")
    echo(text)


@token.command("list")
@click.argument("name")
@click.option("--format", "fmt", type=FORMAT, default="table")
@pass_ctx
def token_list(c: Context, name: str, fmt: str) -> None:
    """列出用户的令牌（不含令牌本身）。"""
    tokens = c.app.tokens(name)
    if fmt == "json":
        echo(to_json([token_json(t) for t in tokens]))
        return
    echo(
        table(
            ["令牌编号", "标签", "创建时间", "状态"],
            [[t.id, t.label, local_time(t.created_at), "已撤销" if t.revoked else "有效"] for t in tokens],
        )
    )


@token.command("revoke")
@click.argument("token_id")
@click.option("--note", default="", help="备注")
@click.option("--id", "request_id", help="请求编号")
@pass_ctx
def token_revoke(c: Context, token_id: str, note: str, request_id: str | None) -> None:
    """撤销令牌（撤销后不能恢复，可另建新令牌）。"""
    tid = c.app.revoke_token(token_id, note=note, request_id=request_id)
    echo(f"已撤销令牌 {tid}")
    echo(str(tid))
