"""Helpers for review-app tests: logging in and reading the CSRF token, in-process or live."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "correct-horse-battery"
# Users every review-app store in these tests has, by role.
USERS = {
    "alice": "analyst",
    "bob": "analyst",
    "sam": "supervisor",
    "lia": "liaison",
    "root": "admin",
}


def login(client: TestClient, user: str = "alice", password: str = PASSWORD) -> None:
    response = client.post("/login", data={"username": user, "password": password, "next": "/"})
    assert response.status_code in (200, 403), response.text  # followed the redirect
    assert client.get("/api/me").json()["username"] == user


def relogin(client: TestClient, user: str) -> str:
    """Log out whoever is logged in, log in as `user`; returns the API CSRF token."""
    client.cookies.clear()
    login(client, user)
    return api_token(client)


def api_token(client: TestClient) -> str:
    token: str = client.get("/api/me").json()["csrf"]
    return token


def csrf_of(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def logout(client: TestClient) -> None:
    """Log out as the page does (the logout form carries the CSRF token); no-op if logged out."""
    me = client.get("/api/me")
    if me.status_code == 200:
        response = client.post("/logout", headers={"X-CSRF-Token": me.json()["csrf"]})
        assert response.status_code in (200, 303), response.text
