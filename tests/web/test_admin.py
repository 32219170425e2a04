"""管理 (/admin): administrators keep units, users, channels and settings; every other
role gets 403 on every page and form, and a stranger is sent to sign in.

Every form carries its CSRF token and request id; a refusal comes back beside the
field it names, in Chinese, with what was typed (never a password or a secret).
"""

from __future__ import annotations

import base64
import html
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
PAGES = [
    "/admin",
    "/admin/units/new",
    "/admin/units/450002",
    "/admin/users/new",
    "/admin/users/officer1",
    "/admin/channels/new",
]
POSTS = [
    "/admin/units/new",
    "/admin/units/450002",
    "/admin/users/new",
    "/admin/users/officer1",
    "/admin/channels/new",
    "/admin/channels/some-id/test",
]


def csrf_from(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "page has no CSRF token"
    return found.group(1)


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def form_of(client: FlaskClient, url: str) -> dict[str, str]:
    """The first form's hidden fields (csrf token and request id) of the page at ``url``."""
    page = client.get(url).get_data(as_text=True)
    return {
        "csrf_token": csrf_from(page),
        "request_id": re.findall(r'name="request_id" value="([^"]+)"', page)[0],
    }


def post(client: FlaskClient, url: str, page: str | None = None, **data: Any) -> Any:
    """Post to ``url`` with the hidden fields of the page its form is on (``url`` itself by default)."""
    return client.post(url, data={**form_of(client, page or url), **data})


@pytest.fixture
def admin(as_user: Any) -> FlaskClient:
    return as_user("admin1")  # type: ignore[no-any-return]


# ------------------------------------------------------------------ access


@pytest.mark.parametrize("url", PAGES)
def test_a_stranger_is_sent_to_sign_in(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", POSTS)
def test_a_strangers_form_is_sent_to_sign_in(app: Flask, client: FlaskClient, url: str) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "code": "459999", "name": "偷偷添加"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "459999" not in {u["code"] for u in app.extensions["tracker"].units()}


@pytest.mark.parametrize("name", ["officer1", "manager1", "auditor1", "officer3"])
def test_every_other_role_is_forbidden_every_page_and_form(app: Flask, as_user: Any, name: str) -> None:
    client = as_user(name)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    token = csrf_from(client.get("/transfer").get_data(as_text=True))
    for url in POSTS:
        data = {
            "csrf_token": token,
            "code": "459999",
            "name": "偷偷添加",
            "action": "disable",
            "form": "rule",
        }
        assert client.post(url, data=data).status_code == 403, url
    assert "459999" not in {u["code"] for u in app.extensions["tracker"].units()}
    assert not app.extensions["tracker"].account("officer1").disabled


def test_the_navigation_shows_administration_to_admins_only(as_user: Any, client: FlaskClient) -> None:
    assert 'href="/admin"' in as_user("admin1").get("/admin").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin").get_data(as_text=True))})
    assert 'href="/admin"' not in as_user("manager1").get("/rollups").get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(admin: FlaskClient, app: Flask) -> None:
    response = admin.post("/admin/units/new", data={"code": "459999", "name": "无令牌"})
    assert response.status_code == 400
    assert "459999" not in {u["code"] for u in app.extensions["tracker"].units()}


def test_the_overview_lists_units_users_and_channels(admin: FlaskClient) -> None:
    page = text(admin.get("/admin"))
    assert "450001 满城区医疗保障局" in page
    assert "　450002 满城区医保中心" in page  # the tree, indented
    assert "比例：黄 80% / 红 60%" in page
    for name in ("officer1", "manager1", "auditor1", "admin1", "officer3"):
        assert f'data-user="{name}"' in page
    assert "财务人员（450002）" in page
    assert "尚无发送渠道" in page


# ------------------------------------------------------------------- units


def test_a_unit_is_added_under_a_parent(app: Flask, admin: FlaskClient) -> None:
    response = post(admin, "/admin/units/new", code="450005", name="满城区医保中心分所", parent="450002")
    assert response.status_code == 302
    units = {u["code"]: u for u in app.extensions["tracker"].units()}
    assert units["450005"]["parent_code"] == "450002"
    page = text(admin.get("/admin"))
    assert "已添加单位 450005 满城区医保中心分所" in page
    assert "　　450005 满城区医保中心分所" in page


def test_a_double_submitted_unit_is_recorded_once(app: Flask, admin: FlaskClient) -> None:
    form = {**form_of(admin, "/admin/units/new"), "code": "450006", "name": "新单位"}
    assert admin.post("/admin/units/new", data=form).status_code == 302
    assert admin.post("/admin/units/new", data=form).status_code == 302
    assert [u["code"] for u in app.extensions["tracker"].units()].count("450006") == 1


def test_a_refused_unit_names_its_field_and_keeps_what_was_typed(admin: FlaskClient) -> None:
    response = post(admin, "/admin/units/new", code="450001", name="重复的单位")
    assert response.status_code == 422
    page = text(response)
    assert "有 1 处需要修改" in page
    assert '<a href="#code">单位编码：单位编码 450001 已存在</a>' in page or "单位编码 450001 已存在" in page
    assert 'id="code-error"' in page
    assert 'value="重复的单位"' in page
    missing = post(admin, "/admin/units/new", code="450007", name="")
    assert missing.status_code == 422
    assert 'id="name-error"' in text(missing)


def test_a_units_status_rule_is_changed(app: Flask, admin: FlaskClient) -> None:
    url = "/admin/units/450002"
    response = post(admin, url, form="rule", rule="points", yellow="5", red="10")
    assert response.status_code == 302
    assert app.extensions["tracker"].queries.units()["450002"]["status_rule"] == "points"
    bad = post(admin, url, form="rule", rule="ratio", yellow="50", red="70")
    assert bad.status_code == 422
    page = text(bad)
    assert "比例规则要求 0 < 红色阈值 < 黄色阈值 ≤ 100" in page
    assert 'id="yellow-error"' in page
    assert 'value="70"' in page


def test_a_units_minimum_points_are_shown_and_changed(app: Flask, admin: FlaskClient) -> None:
    url = "/admin/units/450002"
    assert 'name="min_points"' in text(admin.get(url))
    response = post(admin, url, form="rule", rule="ratio", yellow="80", red="60", min_points="5")
    assert response.status_code == 302
    queries = app.extensions["tracker"].queries
    assert queries.rule_of(queries.units()["450002"]).min_points == 5
    assert 'value="5"' in text(admin.get(url))
    bad = post(admin, url, form="rule", rule="ratio", yellow="80", red="60", min_points="-1")
    assert bad.status_code == 422
    assert 'id="min_points-error"' in text(bad)


def test_a_units_alert_settings_are_changed(app: Flask, admin: FlaskClient) -> None:
    url = "/admin/units/450001"
    form = {
        **form_of(admin, url),
        "form": "alerts",
        "rules": ["lag", "overspend_refused"],
        "escalation_days": "5",
    }
    assert admin.post(url, data=form).status_code == 302
    settings = app.extensions["tracker"].alert_settings("450001")
    assert settings["rules"] == ["lag", "overspend_refused"]
    assert settings["escalation_days"] == 5
    for days, message in (("abc", "请填写 1 到 60 之间的整数"), ("0", "升级天数应在 1 到 60 个工作日之间")):
        bad = post(admin, url, form="alerts", rules="lag", escalation_days=days)
        assert bad.status_code == 422
        assert message in text(bad)
        assert 'id="escalation_days-error"' in text(bad)


def test_an_unknown_unit_has_no_settings_page(admin: FlaskClient) -> None:
    assert admin.get("/admin/units/999999").status_code == 404


# ------------------------------------------------------------------- users


def test_a_user_is_added_with_a_role_units_and_a_password_and_signs_in(
    app: Flask, admin: FlaskClient
) -> None:
    form = {**form_of(admin, "/admin/users/new"), "name": "财务张三", "role": "officer", "units": ["450003"]}
    response = admin.post(
        "/admin/users/new", data={**form, "password": "long-enough-1", "display_name": "张三"}
    )
    assert response.status_code == 302
    account = app.extensions["tracker"].account("财务张三")
    assert account.roles == ("officer",)
    assert account.units == ("450003",)
    fresh = app.test_client()
    login_page = fresh.get("/login").get_data(as_text=True)
    signed = fresh.post(
        "/login", data={"name": "财务张三", "password": "long-enough-1", "csrf_token": csrf_from(login_page)}
    )
    assert signed.status_code == 302


def test_a_refused_user_names_the_field_and_never_shows_the_password(admin: FlaskClient) -> None:
    short = post(admin, "/admin/users/new", name="新人员", role="auditor", password="short-pw")
    assert short.status_code == 422
    page = text(short)
    assert "初始密码：密码至少 10 个字符" in page
    assert "short-pw" not in page
    assert 'value="新人员"' in page
    no_unit = post(admin, "/admin/users/new", name="新人员", role="officer", password="long-enough-1")
    assert no_unit.status_code == 422
    assert "财务人员至少需要指定一个单位" in text(no_unit)
    assert 'id="units-error"' in text(no_unit)


def test_every_problem_of_a_new_user_is_listed_at_once(admin: FlaskClient) -> None:
    response = post(admin, "/admin/users/new", name="x", role="officer", password="short")
    assert response.status_code == 422
    page = text(response)
    assert "有 3 处需要修改" in page
    for field in ("name", "units", "password"):
        assert f'id="{field}-error"' in page
    assert '<p class="error-message" id="name-error">长度应为 2–50 个字符</p>' in page  # beside the box
    assert "用户名：长度应为 2–50 个字符" in page  # in the summary, naming the field


def test_roles_are_granted_and_withdrawn(app: Flask, admin: FlaskClient) -> None:
    t = app.extensions["tracker"]
    url = "/admin/users/officer1"
    form = {**form_of(admin, url), "action": "grant", "role": "manager", "units": ["450001"]}
    assert admin.post(url, data=form).status_code == 302
    assert t.account("officer1").roles == ("officer", "manager")
    assert "已授予 officer1 管理人员角色" in text(admin.get(url))
    assert post(admin, url, action="withdraw", role="manager").status_code == 302
    assert t.account("officer1").roles == ("officer",)
    last = post(admin, url, action="withdraw", role="officer")
    assert last.status_code == 422
    assert "不能撤销用户的最后一个角色" in text(last)


def test_a_grant_without_units_is_refused_beside_the_units(admin: FlaskClient) -> None:
    response = post(admin, "/admin/users/auditor1", action="grant", role="manager")
    assert response.status_code == 422
    assert "管理人员至少需要指定一个单位" in text(response)
    assert 'id="units-error"' in text(response)


def test_a_disabled_user_cannot_sign_in_until_enabled(app: Flask, admin: FlaskClient) -> None:
    url = "/admin/users/officer3"
    assert post(admin, url, action="disable").status_code == 302
    assert app.extensions["tracker"].account("officer3").disabled
    fresh = app.test_client()
    page = fresh.get("/login").get_data(as_text=True)
    refused = fresh.post(
        "/login", data={"name": "officer3", "password": "correct-horse-1", "csrf_token": csrf_from(page)}
    )
    assert refused.status_code != 302
    assert post(admin, url, action="enable").status_code == 302
    assert not app.extensions["tracker"].account("officer3").disabled


def test_an_admin_cannot_lock_themself_out(app: Flask, admin: FlaskClient) -> None:
    url = "/admin/users/admin1"
    response = post(admin, url, action="disable")
    assert response.status_code == 422
    assert "不能停用或启用自己的账号" in text(response)
    assert post(admin, url, action="withdraw", role="admin").status_code == 422
    assert not app.extensions["tracker"].account("admin1").disabled


def test_an_unknown_user_has_no_page(admin: FlaskClient) -> None:
    assert admin.get("/admin/users/nobody").status_code == 404


# ---------------------------------------------------------------- channels


class Receiver(BaseHTTPRequestHandler):
    received: list[bytes] = []  # noqa: RUF012 - one test's inbox

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/hook?token=very-secret-query"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def webhook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The signing secret where the sending process finds it (the channel stores the name)."""
    monkeypatch.setenv("ADMIN_WEBHOOK_SECRET", SECRET)


def add_webhook(admin: FlaskClient, url: str, secret: str = "env:ADMIN_WEBHOOK_SECRET") -> Any:
    return post(
        admin,
        "/admin/channels/new",
        unit="450001",
        name="局办公室接收端",
        kind="webhook",
        purpose="alerts",
        webhook_url=url,
        webhook_secret=secret,
    )


def add_legacy_webhook(app: Flask, url: str) -> None:
    """A channel recorded by an older release, its secret itself in the event."""
    from tracker.domain.ids import unit_id

    t = app.extensions["tracker"]
    unit = t.repository.get(unit_id("450001"))
    unit.add_channel("legacy-1", "旧接收端", "webhook", {"url": url, "secret": SECRET}, "alerts", "旧版本")
    t.save(unit)
    t.evict(unit_id("450001"))


def test_a_channel_is_added_and_its_secrets_are_never_shown(
    app: Flask, admin: FlaskClient, receiver: str
) -> None:
    assert add_webhook(admin, receiver).status_code == 302
    (channel,) = app.extensions["tracker"].channels("450001")
    assert channel["name"] == "局办公室接收端"
    assert channel["config"]["secret"] == "env:ADMIN_WEBHOOK_SECRET"
    page = text(admin.get("/admin"))
    assert "局办公室接收端" in page
    assert "env:ADMIN_WEBHOOK_SECRET" in page  # a reference is shown as typed
    assert SECRET not in page
    assert "very-secret-query" not in page


def test_a_literal_secret_of_an_older_release_is_masked_on_the_page(app: Flask, admin: FlaskClient) -> None:
    add_legacy_webhook(app, "http://127.0.0.1:9/hook")
    page = text(admin.get("/admin"))
    assert "旧接收端" in page
    assert "已设置（不显示）" in page
    assert SECRET not in page


def test_a_literal_secret_is_refused_beside_its_box_never_shown_again_and_nothing_recorded(
    app: Flask, admin: FlaskClient, receiver: str
) -> None:
    response = add_webhook(admin, receiver, secret=SECRET)
    assert response.status_code == 422
    page = text(response)
    assert 'id="webhook_secret-error"' in page
    assert "签名密钥（secret）：请填写 env:变量名 或 file:/文件路径，密钥本身不会写入记录" in page
    assert SECRET not in page
    assert app.extensions["tracker"].channels("450001") == []
    relative = add_webhook(admin, receiver, secret="file:secrets/webhook.key")
    assert relative.status_code == 422
    assert "绝对路径" in text(relative)
    assert 'value="file:secrets/webhook.key"' in text(relative)  # a reference is kept for fixing
    assert app.extensions["tracker"].channels("450001") == []


def test_the_channel_form_asks_for_references_not_secrets(admin: FlaskClient) -> None:
    page = text(admin.get("/admin/channels/new"))
    assert "env:变量名" in page
    assert "file:/文件路径" in page
    assert 'id="wecom_key" name="wecom_key" type="text"' in page


def test_a_test_send_reaches_the_channel(app: Flask, admin: FlaskClient, receiver: str) -> None:
    add_webhook(admin, receiver)
    (channel,) = app.extensions["tracker"].channels("450001")
    response = post(admin, f"/admin/channels/{channel['id']}/test", "/admin")
    assert response.status_code == 302
    assert "测试成功" in text(admin.get("/admin"))
    assert len(Receiver.received) == 1


def test_a_failed_test_send_says_why(app: Flask, admin: FlaskClient) -> None:
    add_webhook(admin, "http://127.0.0.1:9/hook")  # nobody listens on the discard port
    (channel,) = app.extensions["tracker"].channels("450001")
    post(admin, f"/admin/channels/{channel['id']}/test", "/admin")
    page = text(admin.get("/admin"))
    assert "测试失败" in page
    unknown = post(admin, "/admin/channels/no-such-channel/test", "/admin")
    assert unknown.status_code == 302
    assert "渠道 no-such-channel 不存在" in text(admin.get("/admin"))


def test_a_test_send_names_a_variable_that_is_not_set(
    app: Flask, admin: FlaskClient, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_webhook(admin, receiver)
    monkeypatch.delenv("ADMIN_WEBHOOK_SECRET")
    (channel,) = app.extensions["tracker"].channels("450001")
    post(admin, f"/admin/channels/{channel['id']}/test", "/admin")
    page = text(admin.get("/admin"))
    assert "测试失败：密钥无法读取：签名密钥（secret）：环境变量 ADMIN_WEBHOOK_SECRET 未设置" in page
    assert Receiver.received == []


def test_a_legacy_channel_still_sends_its_test(app: Flask, admin: FlaskClient, receiver: str) -> None:
    add_legacy_webhook(app, receiver)
    post(admin, "/admin/channels/legacy-1/test", "/admin")
    assert "测试成功" in text(admin.get("/admin"))
    assert len(Receiver.received) == 1


def test_a_bad_channel_setting_is_named_and_nothing_is_recorded(app: Flask, admin: FlaskClient) -> None:
    response = post(
        admin,
        "/admin/channels/new",
        unit="450001",
        name="坏配置",
        kind="webhook",
        purpose="alerts",
        webhook_url="ftp://example",
        webhook_secret="env:ADMIN_WEBHOOK_SECRET",
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="webhook_url-error"' in page
    assert 'value="env:ADMIN_WEBHOOK_SECRET"' in page
    assert app.extensions["tracker"].channels("450001") == []
    no_kind = post(admin, "/admin/channels/new", unit="450001", name="无类型", purpose="alerts")
    assert no_kind.status_code == 422
    assert 'id="kind-error"' in text(no_kind)
    wecom = post(admin, "/admin/channels/new", unit="450001", name="群", kind="wecom", purpose="alerts")
    assert "缺少机器人 key（key）" in text(wecom)
    assert 'id="wecom_key-error"' in text(wecom)
