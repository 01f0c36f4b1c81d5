"""The users page and API (admins): list, add, disable, enable, reset a password;
audited; roles and CSRF."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.base import User
from tests.review_app.helpers import logout
from tests.review_app.pages import PASSWORD, Env, open_env, roles_allowed


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return open_env(tmp_path)


def _user(env: Env, username: str) -> User:
    user = env.store.get_user(username)
    assert user is not None, username
    return user


def test_admin_adds_a_user_who_can_then_log_in(env: Env) -> None:
    env.login("root")
    token = env.page_token("/users")
    response = env.client.post(
        "/users",
        data={"csrf": token, "username": "bob", "role": "liaison", "password": "new-password-42"},
    )
    assert response.status_code == 200 and "已新增用户：bob" in response.text
    assert _user(env, "bob").role == "liaison"
    event = env.store.audit_events(action="user.add")[0]
    assert event.actor == "root" and event.after == {"user": "bob", "role": "liaison"}
    logout(env.client)
    login = env.client.post(
        "/login", data={"username": "bob", "password": "new-password-42"}, follow_redirects=False
    )
    assert login.status_code == 303


def test_bad_new_users_are_refused_with_the_reason(env: Env) -> None:
    env.login("root")
    short = env.api_post("/api/users", {"username": "bob", "role": "analyst", "password": "short"})
    assert short.status_code == 400 and "密码太短" in short.json()["detail"]
    role = env.api_post(
        "/api/users", {"username": "bob", "role": "chief", "password": "long-enough-pw"}
    )
    assert role.status_code == 400 and "没有角色「chief」" in role.json()["detail"]
    taken = env.api_post(
        "/api/users", {"username": "alice", "role": "analyst", "password": "long-enough-pw"}
    )
    assert taken.status_code == 409
    token = env.page_token("/users")
    page = env.client.post(
        "/users", data={"csrf": token, "username": "a b", "role": "analyst", "password": "x" * 12}
    )
    assert page.status_code == 400 and 'id="users-error"' in page.text
    assert {u["username"] for u in env.client.get("/api/users").json()} == {
        "alice", "sam", "lia", "root",
    }  # fmt: skip


def test_disable_ends_sessions_and_enable_restores_login(env: Env) -> None:
    other = open_env_client(env)
    assert other.get("/api/me").status_code == 200
    env.login("root")
    token = env.page_token("/users")
    assert env.client.post("/users/alice/disable", data={"csrf": token}).status_code == 200
    assert other.get("/api/me").status_code == 401
    assert _user(env, "alice").disabled
    enabled = env.api_post("/api/users/alice/enable", {})
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    actions = [e.action for e in env.store.audit_events(actor="root")]
    assert actions[:2] == ["user.enable", "user.disable"]
    themselves = env.api_post("/api/users/root/disable", {})
    assert themselves.status_code == 400
    assert env.api_post("/api/users/nobody/disable", {}).status_code == 404


def open_env_client(env: Env) -> TestClient:
    """A second browser logged in as alice."""
    client = TestClient(env.client.app, base_url="http://127.0.0.1")
    client.post("/login", data={"username": "alice", "password": PASSWORD})
    return client


def test_password_reset_replaces_the_old_password(env: Env) -> None:
    env.login("root")
    token = env.page_token("/users")
    response = env.client.post(
        "/users/alice/password", data={"csrf": token, "password": "reset-password-99"}
    )
    assert response.status_code == 200 and "已重置密码：alice" in response.text
    event = env.store.audit_events(action="user.passwd")[0]
    assert "reset-password-99" not in event.model_dump_json()
    logout(env.client)
    old = env.client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert old.status_code == 401
    new = env.client.post(
        "/login",
        data={"username": "alice", "password": "reset-password-99"},
        follow_redirects=False,
    )
    assert new.status_code == 303


def test_only_admins_manage_users_and_changes_need_csrf(env: Env) -> None:
    assert roles_allowed(env, "GET", "/users") == {"admin"}
    assert roles_allowed(env, "GET", "/api/users") == {"admin"}
    body = {"password": "another-password-1"}
    assert roles_allowed(env, "POST", "/api/users/lia/password", json=body) == {"admin"}
    env.login("root")
    assert env.api_post("/api/users/alice/disable", {}, csrf=False).status_code == 403
    assert env.client.post("/users/alice/disable", data={"csrf": "forged"}).status_code == 403
    assert not _user(env, "alice").disabled
    page = env.client.get("/users").text
    assert "password_hash" not in page and "$argon2" not in page
