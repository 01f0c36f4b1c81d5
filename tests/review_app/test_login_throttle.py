"""Login throttling: per (username, address) for wrong passwords, with a much higher
per-address ceiling against password spraying; empty fields are answered in Chinese."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from review_app.auth import LOGIN_FAILURES_PER_ADDRESS, LOGIN_FAILURES_PER_USER_ADDRESS
from tests.review_app.pages import PASSWORD, Env, open_env

OFFICE = ("10.0.0.1", 50000)  # one NAT address for the whole team


def _client(env: Env, address: tuple[str, int]) -> TestClient:
    return TestClient(env.client.app, base_url="http://127.0.0.1", client=address)


def _login(client: TestClient, username: str, password: str) -> int:
    response = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    return response.status_code


def test_one_users_typos_do_not_lock_out_colleagues_behind_the_same_address(
    tmp_path: Path,
) -> None:
    env = open_env(tmp_path)
    office = _client(env, OFFICE)
    for _ in range(LOGIN_FAILURES_PER_USER_ADDRESS):
        assert _login(office, "alice", "wrong-password!") == 401
    blocked = office.post("/login", data={"username": "alice", "password": PASSWORD})
    assert blocked.status_code == 429 and "该账号密码错误次数过多" in blocked.text
    assert _login(office, "sam", PASSWORD) == 303  # a colleague on the same address
    assert _login(_client(env, ("10.0.0.2", 50000)), "alice", PASSWORD) == 303  # elsewhere


def test_one_address_trying_many_accounts_is_stopped(tmp_path: Path) -> None:
    env = open_env(tmp_path)
    sprayer = _client(env, ("10.9.9.9", 50000))
    for n in range(LOGIN_FAILURES_PER_ADDRESS):
        assert _login(sprayer, f"user{n}", "Summer2026!!") == 401
    blocked = sprayer.post("/login", data={"username": "sam", "password": PASSWORD})
    assert blocked.status_code == 429 and "本机地址登录失败次数过多" in blocked.text
    assert _login(_client(env, OFFICE), "sam", PASSWORD) == 303  # other addresses are not


def test_empty_login_fields_are_answered_on_the_login_page_in_chinese(tmp_path: Path) -> None:
    env = open_env(tmp_path)
    for data in ({}, {"username": "sam"}, {"username": "", "password": ""}):
        page = env.client.post("/login", data=data)
        assert page.status_code == 400 and "请输入用户名和密码" in page.text
        assert "Field required" not in page.text and 'name="username"' in page.text
