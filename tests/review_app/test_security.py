"""Security: hostile crawled content never runs (in a real browser), every change needs a CSRF
token and the right role (every state-changing route, found by enumerating the app), sessions
are not fixed, redirects stay on the site, and search and filters cannot inject queries."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from starlette.routing import BaseRoute

from cluewatch.settings import Settings
from index.evidence import EvidenceStore
from index.models import Entity, Match
from index.sqlite import SQLiteStore
from review_app.app import create_app
from review_app.auth import ROLES
from review_app.deps import Access
from tests.factories import make_post
from tests.review_app.conftest import LiveApp, screenshot
from tests.review_app.helpers import PASSWORD, USERS, api_token, login
from tests.review_app.test_browser import log_in

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that change state without a session to protect: logging in (throttled instead).
NO_SESSION_ROUTES = {"/login"}
USER_OF_ROLE = {role: name for name, role in USERS.items()}


# -- hostile content in a real browser ----------------------------------------------------------


class Canary:
    """A loopback HTTP server that records every request: a payload that ran would call it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.close()


def payloads(canary: str) -> list[str]:
    run = f"window.__pwned=1;document.title='PWNED';fetch('{canary}/js')"
    return [
        f"<script>{run}</script>",
        f'<img src=x onerror="{run}">',
        f'<a id="jsurl" href="javascript:{run}">点我</a>',
        f'<iframe src="javascript:parent.{run}"></iframe>',
        f"<style>body{{background:url({canary}/css)}}</style>",
        f'<div style="background-image:url({canary}/inline-css)">x</div>',
        f'<svg onload="{run}"><circle r="1"/></svg>',
        f'<img src="{canary}/img">',
        f'<link rel="stylesheet" href="{canary}/link.css">',
        f'<meta http-equiv="refresh" content="0;url={canary}/meta">',
        f'"><script>{run}</script>',
        f"</textarea><script>{run}</script>",
    ]


def hostile_post(canary: str, settings: Settings) -> list:  # type: ignore[type-arg]
    hostile = "".join(payloads(canary))
    title = "代孕" + hostile[:1500]
    text = f"代孕 包成功 {hostile} 微信 fake_wx_001"
    scored = f"{title}\n{text}"
    start = scored.index("代孕", len(title))
    wx = scored.index("fake_wx_001")
    capture = (
        f'<html><head><title>代孕</title>{hostile}</head><body onload="{payloads(canary)[0]}">'
        f"{hostile}</body></html>"
    ).encode()
    sha = EvidenceStore(settings.evidence_dir).put_capture(
        url="http://127.0.0.1/thread/1",
        status=200,
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=capture,
        captured_at=datetime.now(UTC),
    )
    match = Match(
        term="代孕<script>",
        category="surrogacy",
        weight="strong",
        surface="代孕",
        start=start,
        end=start + 2,
    )
    sp = make_post(
        1,
        title=title,
        text=text,
        matches=[match],
        raw_hash=sha,
        author=f'<img src=x onerror="{payloads(canary)[0]}">',
        extra={"联系方式": payloads(canary)[1], "<b>价格</b>": payloads(canary)[6]},
        url=f'http://127.0.0.1/t?a="><script>{payloads(canary)[0]}</script>',
    )
    sp.scores.entities.append(Entity(kind="wechat", value="fake_wx_001", start=wx, end=wx + 11))
    reply = make_post(2, kind="reply", thread_id=sp.post.id, title="", text=hostile)
    return [sp, reply]


def assert_nothing_ran(browser: WebDriver, canary: Canary, page: str) -> None:
    try:
        alert = browser.switch_to.alert
        pytest.fail(f"{page}: an alert opened: {alert.text}")
    except NoAlertPresentException:
        pass
    assert browser.execute_script("return window.__pwned === undefined"), page
    assert browser.title != "PWNED", page
    assert canary.hits == [], f"{page}: the payload made requests {canary.hits}"


def test_hostile_crawled_content_never_runs_in_any_page(
    live_app: LiveApp, browser: WebDriver, canary: Canary
) -> None:
    posts = hostile_post(canary.url, live_app.settings)
    live_app.store.write_posts(posts)
    pid = posts[0].post.id
    live_app.store.add_note(pid, "alice", "".join(payloads(canary.url)))
    log_in(browser, live_app, "sam")
    pages = [
        "/",
        "/?q=代孕",
        "/?q=script",
        "/?state=all&sort=time",
        f"/posts/{pid}",
        f"/posts/{posts[1].post.id}",
        f"/api/posts/{pid}/capture",
        f"/audit?post={pid}",
        "/audit",
    ]
    for path in pages:
        browser.get(live_app.url + path)
        browser.find_element(By.TAG_NAME, "body")
        for link in browser.find_elements(By.CSS_SELECTOR, "a[href^='javascript:' i]"):
            pytest.fail(
                f"{path}: a javascript: link was rendered: {link.get_attribute('outerHTML')}"
            )
        assert not browser.find_elements(By.CSS_SELECTOR, "main svg, main img, main style, #jsurl")
        assert_nothing_ran(browser, canary, path)
    browser.get(live_app.url + f"/posts/{pid}")
    assert "<script>" in browser.find_element(By.ID, "post-text").text  # shown, as text
    frame = browser.find_element(By.ID, "capture-frame")
    assert frame.get_attribute("sandbox") == ""
    browser.switch_to.frame(frame)
    assert "<script>" in browser.find_element(By.TAG_NAME, "body").text  # inert text
    browser.switch_to.default_content()
    browser.find_element(By.TAG_NAME, "body").send_keys("j")  # keyboard code paths too
    assert_nothing_ran(browser, canary, "post page after keys")
    screenshot(browser, "post-hostile")


# -- CSRF and roles on every state-changing route -----------------------------------------------


@dataclass
class Changing:
    path: str
    method: str
    route: APIRoute


def _api_routes(routes: list[BaseRoute]) -> Iterator[tuple[str, APIRoute]]:
    """Every API route with its full path, also through included routers (newer FastAPI
    keeps those as included-router entries rather than flattening them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path, route
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for context in contexts():
                if isinstance(context.original_route, APIRoute):
                    yield context.path, context.original_route


def _changing_routes(routes: list[BaseRoute]) -> list[Changing]:
    return [
        Changing(path, method, route)
        for path, route in _api_routes(routes)
        for method in sorted((route.methods or set()) & CHANGES)
    ]


def _access(route: APIRoute) -> Access | None:
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Access):
            return dependency.call
        pending.extend(dependency.dependencies)
    return None


def _path(path: str, post_id: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: post_id if m.group(0) == "{post_id}" else "x", path)


def _send(client: TestClient, method: str, path: str, token: str | None) -> int:
    if path.startswith("/api/"):
        headers = {"X-CSRF-Token": token} if token else {}
        return client.request(method, path, json={}, headers=headers).status_code
    data = {"csrf": token} if token else {}
    return client.request(method, path, data=data, follow_redirects=False).status_code


@pytest.fixture
def clients(store: SQLiteStore, settings: Settings) -> dict[str, TestClient]:
    """One logged-in client per role."""
    app = create_app(settings, store=store)
    out = {}
    for role in ROLES:
        client = TestClient(app, base_url="http://127.0.0.1")
        login(client, USER_OF_ROLE[role])
        out[role] = client
    return out


def test_every_state_changing_route_needs_csrf_and_the_right_role(
    store: SQLiteStore, settings: Settings, clients: dict[str, TestClient]
) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    routes = _changing_routes(create_app(settings, store=store).routes)
    assert len(routes) >= 10  # the ones of this app at least; routes added later come along
    for change in routes:
        method = change.method
        if change.path in NO_SESSION_ROUTES:
            continue
        access = _access(change.route)
        assert access is not None and access.change, (
            f"{method} {change.path} declares no Access(roles, change=True) dependency: "
            "state-changing routes must check the session, the role and the CSRF token"
        )
        path = _path(change.path, sp.post.id)
        for role, client in clients.items():
            token = api_token(client)
            assert _send(client, method, path, None) == 403, (method, path, role)
            assert _send(client, method, path, "forged-" + token) == 403, (method, path)
            if role not in access.roles:
                status = _send(client, method, path, token)
                assert status == 403, f"{method} {path}: role {role} got {status}"
        anonymous = TestClient(clients["analyst"].app, base_url="http://127.0.0.1")
        assert _send(anonymous, method, path, None) in (401, 303), (method, path)
    allowed = clients["analyst"]
    note_path = f"/api/posts/{sp.post.id}/notes"
    assert _send(allowed, "POST", note_path, None) == 403
    done = allowed.post(
        note_path, json={"text": "有效的令牌"}, headers={"X-CSRF-Token": api_token(allowed)}
    )
    assert done.status_code == 200  # the same request with the token goes through
    assert [e.note for e in store.audit_events(action="note")] == ["有效的令牌"]


def test_reads_check_the_role_too(clients: dict[str, TestClient], store: SQLiteStore) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    admin = clients["admin"]
    for path in ("/", "/api/queue", f"/posts/{sp.post.id}", f"/api/posts/{sp.post.id}"):
        assert admin.get(path).status_code == 403, path
    assert admin.get("/api/audit").status_code == 200
    assert clients["liaison"].get("/api/audit").status_code == 403


# -- sessions and redirects ---------------------------------------------------------------------


def test_a_session_id_planted_before_login_is_never_honoured(client: TestClient) -> None:
    attacker = TestClient(client.app, base_url="http://127.0.0.1")
    login(attacker, "bob")
    planted = attacker.cookies.get("cw_session")
    assert planted
    client.cookies.set("cw_session", planted, domain="127.0.0.1")
    login(client, "alice")
    fresh = client.cookies.get("cw_session", domain="127.0.0.1")
    assert fresh and fresh != planted
    assert client.get("/api/me").json()["username"] == "alice"
    attacker.cookies.set("cw_session", planted, domain="127.0.0.1")
    assert attacker.get("/api/me").status_code == 401  # the planted session ended at login
    client.cookies.set("cw_session", "made-up-by-attacker", domain="127.0.0.1")
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/%2F..",
        "https:evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_redirects_after_login_stay_on_the_site(client: TestClient, target: str) -> None:
    page = client.get("/login", params={"next": target}).text
    assert 'name="next" value="/"' in page
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "next": target},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_bulk_form_returns_only_to_the_site(client: TestClient, store: SQLiteStore) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    login(client)
    response = client.post(
        "/verdicts/bulk",
        data={
            "csrf": api_token(client),
            "kind": "escalate",
            "post_id": sp.post.id,
            "back": "//evil.example",
        },
        follow_redirects=False,
    )
    assert response.headers["location"].startswith("/?done=1")


# -- query injection --------------------------------------------------------------------------


INJECTIONS = [
    {"q": "' OR 1=1 --"},
    {"q": '" OR "1"="1'},
    {"q": "NEAR("},
    {"q": "*"},
    {"q": '"'},
    {"q": "代孕 OR *"},
    {"q": "title:代孕"},
    {"q": ") OR (1"},
    {"q": "\\"},
    {"q": "{{7*7}}"},
    {"site": "x' OR '1'='1"},
    {"site": "%"},
    {"term": "x' OR '1'='1"},
    {"entity": "' OR 1=1 --"},
    {"assignee": "' OR 1=1 --"},
    {"state": "registered') OR ('1'='1"},
    {"category": "x' OR '1'='1"},
    {"min_score": "0 OR 1=1"},
    {"since": "2025-01-01' OR '1'='1"},
    {"cursor": "' OR 1=1 --"},
]


def test_injection_through_search_and_filters_has_no_effect(
    client: TestClient, store: SQLiteStore
) -> None:
    posts = [make_post(n, text=f"代孕 包成功 第{n}帖 微信 fake_wx_00{n}") for n in range(1, 4)]
    store.write_posts(posts)
    before = (store.count_posts(), store.count_by_state(), len(store.audit_events(limit=1000)))
    login(client)
    for params in INJECTIONS:
        api = client.get("/api/queue", params=params)
        assert api.status_code in (200, 400), (params, api.text)
        if api.status_code == 200:
            assert api.json()["items"] == [] or "q" in params, params  # no filter matched all
        page = client.get("/", params=params)
        assert page.status_code in (200, 400), params
        assert "Traceback" not in page.text and "sqlite" not in page.text.lower(), params
        if page.status_code == 200 and not {"q", "cursor"} & set(params):
            assert "data-id=" not in page.text, params  # a bad cursor starts at page one
    assert client.get("/api/queue", params={"q": "' OR 1=1 --"}).json()["items"] == []
    assert client.get("/api/queue", params={"sort": "score; DROP TABLE posts"}).status_code == 422
    after = (store.count_posts(), store.count_by_state(), len(store.audit_events(limit=1000)))
    assert after == before
    assert store.verify_audit_chain() == []
    assert len(client.get("/api/queue").json()["items"]) == 3
