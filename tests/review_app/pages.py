"""The review app in-process with a real SQLite store and one user of each role,
for the tests of the actors, lexicon, dashboard, crawl runs, users and metrics pages."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cluewatch.settings import Settings
from index.base import User
from index.sqlite import SQLiteStore
from review_app.app import create_app
from review_app.auth import hash_password
from tests.review_app.helpers import logout

PASSWORD = "correct-horse-battery"
# One user per role: analyst, supervisor, liaison, admin.
USERS = {"alice": "analyst", "sam": "supervisor", "lia": "liaison", "root": "admin"}


@dataclass
class Env:
    store: SQLiteStore
    client: TestClient
    settings: Settings

    def login(self, username: str) -> None:
        """Log in as `username` (logging out whoever was logged in)."""
        logout(self.client)
        response = self.client.post(
            "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303, response.text

    def token(self) -> str:
        """The session's CSRF token, as the API gives it."""
        return str(self.client.get("/api/me").json()["csrf"])

    def page_token(self, path: str) -> str:
        """The CSRF token in the first form of a page."""
        found = re.search(r'name="csrf" value="([^"]+)"', self.client.get(path).text)
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    def api_post(self, path: str, body: dict[str, Any], *, csrf: bool = True) -> Any:
        """POST JSON to the API, with the session's CSRF header unless `csrf` is false
        (the test client's response: httpx2's or httpx's, whichever Starlette uses)."""
        headers = {"X-CSRF-Token": self.token()} if csrf else {}
        return self.client.post(path, json=body, headers=headers)


@functools.cache
def _password_hash() -> str:
    """One argon2 hash of PASSWORD for every test user: hashing is slow on purpose."""
    return hash_password(PASSWORD)


def open_env(tmp_path: Path, **settings: Any) -> Env:
    store = SQLiteStore(tmp_path / "app.db")
    for username, role in USERS.items():
        store.add_user(User(username, role, _password_hash()))
    config = Settings(data_dir=tmp_path / "data", **settings)
    client = TestClient(create_app(config, store=store), base_url="http://127.0.0.1")
    return Env(store=store, client=client, settings=config)


def roles_allowed(env: Env, method: str, path: str, **kwargs: Any) -> set[str]:
    """The roles whose sessions get a 2xx answer (after redirects) for one request."""
    allowed = set()
    for username, role in USERS.items():
        env.login(username)
        if kwargs.get("json") is not None and method == "POST":
            kwargs = {**kwargs, "headers": {"X-CSRF-Token": env.token()}}
        response = env.client.request(method, path, **kwargs)
        if response.status_code < 300:
            allowed.add(role)
        else:
            assert response.status_code == 403, (role, path, response.status_code)
    return allowed
