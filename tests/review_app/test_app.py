"""The review app in-process: login, queue, post page, verdicts, CSRF, roles, escaping."""

from __future__ import annotations

from fastapi.testclient import TestClient

from index.models import ClueState, Match
from index.sqlite import SQLiteStore
from tests.factories import make_post
from tests.review_app.helpers import PASSWORD, csrf_of, login, logout


def test_pages_need_login_and_redirect_back(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/api/queue").status_code == 401


def test_queue_is_ordered_by_score_and_post_shows_highlighted_terms(
    client: TestClient, store: SQLiteStore
) -> None:
    text = "找代孕 加微信 fake_bb_01"
    title = "求助"
    start = len(title) + 1 + text.index("代孕")
    match = Match(
        term="代孕",
        category="surrogacy",
        weight="strong",
        surface="代孕",
        start=start,
        end=start + 2,
    )
    store.write_posts(
        [
            make_post(1, score=0.6, title="低分"),
            make_post(2, score=0.97, title=title, text=text, matches=[match]),
        ]
    )
    login(client)
    page = client.get("/").text
    assert page.index("0.97") < page.index("0.60")
    post_id = make_post(2).post.id
    detail = client.get(f"/posts/{post_id}").text
    assert '<mark class="match w-strong"' in detail and ">代孕</mark>" in detail


def test_verdict_is_stored_with_csrf_and_rejected_without(
    client: TestClient, store: SQLiteStore
) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    login(client)
    denied = client.post(f"/posts/{sp.post.id}/verdict", data={"kind": "confirm"})
    assert denied.status_code == 403
    token = csrf_of(client, f"/posts/{sp.post.id}")
    ok = client.post(
        f"/posts/{sp.post.id}/verdict", data={"kind": "confirm", "csrf": token, "note": "可移交"}
    )
    assert ok.status_code == 200
    assert store.get(sp.post.id).state is ClueState.CONFIRMED
    assert store.verdicts(sp.post.id)[0].note == "可移交"


def test_api_verdict_needs_header_token_and_role(client: TestClient, store: SQLiteStore) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    login(client, "lia")
    token = client.get("/api/me").json()["csrf"]
    forbidden = client.post(
        f"/api/posts/{sp.post.id}/verdict",
        json={"kind": "dismiss"},
        headers={"X-CSRF-Token": token},
    )
    assert forbidden.status_code == 403  # liaison may not give verdicts
    logout(client)
    login(client, "alice")
    token = client.get("/api/me").json()["csrf"]
    assert (
        client.post(f"/api/posts/{sp.post.id}/verdict", json={"kind": "dismiss"}).status_code == 403
    )
    ok = client.post(
        f"/api/posts/{sp.post.id}/verdict",
        json={"kind": "dismiss", "version": 1},
        headers={"X-CSRF-Token": token},
    )
    assert ok.status_code == 200 and ok.json()["state"] == "dismissed"
    stale = client.post(
        f"/api/posts/{sp.post.id}/verdict",
        json={"kind": "confirm", "version": 1},
        headers={"X-CSRF-Token": token},
    )
    assert stale.status_code == 409


def test_crawled_markup_is_escaped_everywhere(client: TestClient, store: SQLiteStore) -> None:
    hostile = (
        '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
    )
    store.write_posts([make_post(1, title="<b>标题</b>" + hostile, text=hostile)])
    login(client)
    for path in ("/", f"/posts/{make_post(1).post.id}"):
        page = client.get(path)
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert 'href="javascript:' not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]


def test_login_is_throttled_after_repeated_failures(client: TestClient) -> None:
    for _ in range(5):
        assert (
            client.post(
                "/login", data={"username": "alice", "password": "wrong-password!"}
            ).status_code
            == 401
        )
    blocked = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert blocked.status_code == 429


def test_each_role_lands_on_a_page_it_may_open(client: TestClient) -> None:
    for user, start in (("alice", "/"), ("lia", "/"), ("root", "/dashboard")):
        response = client.post(
            "/login", data={"username": user, "password": PASSWORD}, follow_redirects=False
        )
        assert response.headers["location"] == start
        assert client.get(start).status_code == 200, user
        logout(client)


def test_open_redirect_after_login_is_closed(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            data={"username": "alice", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"
        logout(client)


def test_session_id_changes_at_login(client: TestClient) -> None:
    client.cookies.set("cw_session", "planted-by-attacker", domain="127.0.0.1")
    login(client)
    assert client.cookies.get("cw_session", domain="127.0.0.1") != "planted-by-attacker"
    assert client.get("/api/me").status_code == 200


def test_disabled_user_loses_session(client: TestClient, store: SQLiteStore) -> None:
    login(client)
    user = store.get_user("alice")
    assert user is not None
    user.disabled = True
    store.update_user(user)
    assert client.get("/api/me").status_code == 401


def test_openapi_describes_every_api_operation(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (
        ("/api/queue", "get"),
        ("/api/verdicts", "post"),
        ("/api/posts/{post_id}", "get"),
        ("/api/posts/{post_id}/capture", "get"),
        ("/api/posts/{post_id}/verdict", "post"),
        ("/api/posts/{post_id}/claim", "post"),
        ("/api/posts/{post_id}/release", "post"),
        ("/api/posts/{post_id}/assign", "post"),
        ("/api/posts/{post_id}/notes", "post"),
        ("/api/posts/{post_id}/feedback", "post"),
        ("/api/audit", "get"),
    ):
        assert method in paths.get(path, {}), (path, method)
    queue_params = {p["name"] for p in paths["/api/queue"]["get"]["parameters"]}
    assert {"category", "state", "site", "since", "term", "entity", "assignee", "q"} <= queue_params
