"""The queue in-process: filters, search highlighting, counts, pages, bulk verdicts, claims."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from index.models import ClueState, Match
from index.sqlite import SQLiteStore
from tests.factories import make_post
from tests.review_app.helpers import api_token, csrf_of, login, relogin


def _ids(client: TestClient, **params: str) -> list[str]:
    response = client.get("/api/queue", params=params)
    assert response.status_code == 200, response.text
    return [item["post"]["id"] for item in response.json()["items"]]


def _match(title: str, text: str, term: str, category: str = "surrogacy") -> Match:
    start = len(title) + 1 + text.index(term)
    return Match(
        term=term,
        category=category,
        weight="strong",
        surface=term,
        start=start,
        end=start + len(term),
    )


def test_filters_narrow_the_queue_on_page_and_api(client: TestClient, store: SQLiteStore) -> None:
    adoption = make_post(
        1,
        label="illegal_adoption",
        score=0.8,
        site="forum-a",
        text="送养 男宝 营养费 面议",
        captured_at=datetime(2025, 5, 2, 9, tzinfo=UTC),
        contacts={"wechat": "fake_wx_001"},
    )
    surrogacy = make_post(
        2,
        score=0.95,
        site="forum-b",
        title="代孕",
        text="代孕 包成功",
        matches=[_match("代孕", "代孕 包成功", "代孕")],
        captured_at=datetime(2025, 5, 9, 9, tzinfo=UTC),
    )
    low = make_post(3, score=0.55, site="forum-b", captured_at=datetime(2025, 5, 9, tzinfo=UTC))
    store.write_posts([adoption, surrogacy, low])
    a, s, lo = adoption.post.id, surrogacy.post.id, low.post.id
    login(client)
    assert _ids(client) == [s, a, lo]  # by score
    assert _ids(client, sort="time")[0] in (s, lo)
    assert _ids(client, category="illegal_adoption") == [a]
    assert _ids(client, min_score="0.6", max_score="0.9") == [a]
    assert _ids(client, site="forum-b") == [s, lo]
    assert _ids(client, since="2025-05-09", until="2025-05-09") == [s, lo]
    assert _ids(client, until="2025-05-02") == [a]
    assert _ids(client, term="代孕") == [s]
    assert _ids(client, entity="fake_wx_001") == [a]
    store.assign(a, "alice", by="alice")
    assert _ids(client, assignee="me") == [a]
    assert _ids(client, assignee="none") == [s, lo]
    assert _ids(client, assignee="bob") == []
    page = client.get("/", params={"category": "illegal_adoption"}).text
    assert f'data-id="{a}"' in page and f'data-id="{s}"' not in page
    assert 'option value="illegal_adoption" selected' in page


def test_state_filter_and_counts(client: TestClient, store: SQLiteStore) -> None:
    posts = [make_post(n) for n in range(1, 4)]
    store.write_posts(posts)
    login(client)
    token = api_token(client)
    client.post(
        f"/api/posts/{posts[0].post.id}/verdict",
        json={"kind": "confirm"},
        headers={"X-CSRF-Token": token},
    )
    body = client.get("/api/queue").json()
    assert body["counts"]["registered"] == 2 and body["counts"]["confirmed"] == 1
    assert _ids(client, state="confirmed") == [posts[0].post.id]
    assert len(_ids(client, state="all")) == 3
    assert len(_ids(client, state="confirmed,registered")) == 3
    page = client.get("/", params={"state": "confirmed"}).text
    assert re.search(r'data-state="confirmed">已确认线索 <b>1</b>', page)


def test_bad_filters_are_named_and_nothing_is_shown(client: TestClient, store: SQLiteStore) -> None:
    store.write_posts([make_post(1)])
    login(client)
    for params, name in (
        ({"category": "nope"}, "category"),
        ({"min_score": "abc"}, "min_score"),
        ({"max_score": "2"}, "max_score"),
        ({"since": "2025-13-01"}, "since"),
        ({"state": "bogus"}, "state"),
    ):
        api = client.get("/api/queue", params=params)
        assert api.status_code == 400 and name in api.json()["detail"], (params, api.text)
        page = client.get("/", params=params)
        assert page.status_code == 400 and "筛选条件有误" in page.text and name in page.text
        assert "data-id=" not in page.text
    assert client.get("/api/queue", params={"cursor": "garbage"}).status_code == 400


def test_search_highlights_are_marked_and_escaped(client: TestClient, store: SQLiteStore) -> None:
    store.write_posts(
        [make_post(1, title="<b>找代孕</b>", text="代孕 <i>包成功</i> 微信 fake_wx_001")]
    )
    login(client)
    page = client.get("/", params={"q": "代孕"}).text
    snippets = re.findall(r'<div class="snippet">(.*?)</div>', page)
    assert snippets and all("<mark>代孕</mark>" in s for s in snippets)
    assert "&lt;b&gt;" in page and "<b>找" not in page and "<i>包" not in page
    api = client.get("/api/queue", params={"q": "代孕"}).json()
    fragments = next(iter(api["highlights"].values()))[0]["fragments"]
    assert any(f["hit"] and f["text"] == "代孕" for f in fragments)


def test_cursor_pages_keep_the_filters(client: TestClient, store: SQLiteStore) -> None:
    store.write_posts([make_post(n, score=0.5 + n / 200, site="s1") for n in range(1, 61)])
    store.write_posts([make_post(100, site="other")])
    login(client)
    first = client.get("/", params={"site": "s1"}).text
    next_link = re.search(r'href="([^"]+)" id="next-page"', first)
    assert next_link
    second = client.get(next_link.group(1).replace("&amp;", "&")).text
    rows = re.findall(r'data-id="([^"]+)"', first) + re.findall(r'data-id="([^"]+)"', second)
    assert len(rows) == len(set(rows)) == 60  # all of site s1, none twice, none of "other"
    api = client.get("/api/queue", params={"site": "s1", "limit": 50}).json()
    rest = client.get(
        "/api/queue", params={"site": "s1", "limit": 50, "cursor": api["next_cursor"]}
    ).json()
    assert len(api["items"]) + len(rest["items"]) == 60 and rest["next_cursor"] is None


def test_bulk_verdicts_skip_posts_claimed_by_others(client: TestClient, store: SQLiteStore) -> None:
    posts = [make_post(n) for n in range(1, 5)]
    store.write_posts(posts)
    ids = [p.post.id for p in posts]
    store.assign(ids[3], "bob", by="bob")
    login(client)
    token = csrf_of(client, "/")
    response = client.post(
        "/verdicts/bulk",
        data={
            "csrf": token,
            "kind": "dismiss",
            "note": "批量排除",
            "post_id": [*ids[:2], ids[3]],
            "back": "/?site=test-forum",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/?site=test-forum&done=2&refused=1"
    assert [store.get(i).state for i in ids] == [
        ClueState.DISMISSED,
        ClueState.DISMISSED,
        ClueState.REGISTERED,
        ClueState.REGISTERED,
    ]
    assert store.verdicts(ids[0])[0].note == "批量排除"
    api = client.post(
        "/api/verdicts",
        json={"post_ids": [ids[2], ids[3], "no-such-post"], "kind": "escalate"},
        headers={"X-CSRF-Token": api_token(client)},
    ).json()
    assert (api["done"], api["refused"]) == (1, 2)
    assert [r["ok"] for r in api["results"]] == [True, False, False]
    assert "bob" in api["results"][1]["error"]
    bad = client.post(
        "/api/verdicts",
        json={"post_ids": [ids[2]], "kind": "approve"},
        headers={"X-CSRF-Token": api_token(client)},
    )
    assert bad.status_code == 422 and "kind" in bad.text


def test_claims_keep_two_analysts_apart(client: TestClient, store: SQLiteStore) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    pid = sp.post.id
    token = relogin(client, "alice")
    claimed = client.post(
        f"/api/posts/{pid}/claim", json={"version": 1}, headers={"X-CSRF-Token": token}
    )
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "alice"
    assert "alice" in client.get("/").text.split(f'data-id="{pid}"')[1].split("</tr>")[0]

    token = relogin(client, "bob")
    headers = {"X-CSRF-Token": token}
    taken = client.post(f"/api/posts/{pid}/claim", json={}, headers=headers)
    assert taken.status_code == 409 and "alice" in taken.json()["detail"]
    judged = client.post(f"/api/posts/{pid}/verdict", json={"kind": "dismiss"}, headers=headers)
    assert judged.status_code == 409 and "alice" in judged.json()["detail"]
    assert client.post(f"/api/posts/{pid}/release", headers=headers).status_code == 409
    assert 'id="verdict-form"' not in client.get(f"/posts/{pid}").text
    assert store.get(pid).state is ClueState.REGISTERED

    token = relogin(client, "sam")  # a supervisor may judge and reassign
    headers = {"X-CSRF-Token": token}
    moved = client.post(f"/api/posts/{pid}/assign", json={"assignee": "bob"}, headers=headers)
    assert moved.status_code == 200 and moved.json()["assignee"] == "bob"
    nobody = client.post(f"/api/posts/{pid}/assign", json={"assignee": "lia"}, headers=headers)
    assert nobody.status_code == 422  # a liaison does not judge posts
    ok = client.post(f"/api/posts/{pid}/verdict", json={"kind": "confirm"}, headers=headers)
    assert ok.status_code == 200 and ok.json()["state"] == "confirmed"
    actions = [e.action for e in store.audit_events(post_id=pid)]
    assert actions[:3] == ["verdict.confirm", "assign", "assign"]
