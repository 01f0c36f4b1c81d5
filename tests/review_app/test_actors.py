"""The actors list and an actor's page and API: order, timeline, contacts, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import make_post
from tests.review_app.helpers import logout
from tests.review_app.pages import Env, open_env, roles_allowed

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return open_env(tmp_path)


def _two_actors(env: Env) -> tuple[str, str]:
    """A busy actor (3 flagged posts on two sites, one unflagged) and a quiet one."""
    env.store.write_posts(
        [
            make_post(1, site="forum-a", title="帖一", captured_at=T0 + timedelta(days=2),
                      contacts={"wechat": "fake_wx_001"}),
            make_post(2, site="classifieds-b", title="帖二", captured_at=T0,
                      label="illegal_adoption", contacts={"phone": "13800000000"}),
            make_post(3, site="forum-a", title="帖三", captured_at=T0 + timedelta(days=1),
                      contacts={"wechat": "fake_wx_001", "phone": "13800000000"}),
            make_post(4, site="forum-a", title="闲聊", score=0.1, captured_at=T0 + timedelta(days=3),
                      contacts={"phone": "13800000000"}),
            make_post(5, site="forum-a", title="别人", captured_at=T0,
                      contacts={"qq": "10000001"}),
        ]
    )  # fmt: skip
    busy = env.store.get(make_post(1, site="forum-a").post.id).actor_id
    quiet = env.store.get(make_post(5, site="forum-a").post.id).actor_id
    assert busy and quiet and busy != quiet
    return busy, quiet


def test_actors_are_listed_by_flagged_posts(env: Env) -> None:
    busy, quiet = _two_actors(env)
    env.login("alice")
    page = env.client.get("/actors")
    assert page.status_code == 200
    assert page.text.index(f"/actors/{busy}") < page.text.index(f"/actors/{quiet}")
    assert "微信 fake_wx_001" in page.text and "电话 13800000000" in page.text
    listed = env.client.get("/api/actors").json()
    assert [a["id"] for a in listed] == [busy, quiet]
    assert listed[0]["flagged_posts"] == 3 and listed[0]["posts"] == 4


def test_actor_page_shows_the_timeline_across_sites(env: Env) -> None:
    busy, _ = _two_actors(env)
    env.login("lia")
    page = env.client.get(f"/actors/{busy}").text
    # Oldest first, whatever the order of writing: 帖二 (day 0), 帖三, 帖一, 闲聊 (day 3).
    positions = [page.index(title) for title in ("帖二", "帖三", "帖一", "闲聊")]
    assert positions == sorted(positions)
    assert f'href="/posts/{make_post(2, site="classifieds-b").post.id}"' in page
    assert "classifieds-b、forum-a" in page  # sites
    assert "网络非法送养 1" in page and "非法代孕 2" in page  # flagged per category
    assert "2026-10-01 09:00 UTC" in page and "2026-10-04 09:00 UTC" in page  # first, last
    detail = env.client.get(f"/api/actors/{busy}").json()
    assert [e["title"] for e in detail["timeline"]] == ["帖二", "帖三", "帖一", "闲聊"]
    assert detail["timeline"][0]["site"] == "classifieds-b"
    assert detail["timeline"][3]["state"] == "unflagged"
    assert sorted(detail["actor"]["contacts"]) == ["phone:13800000000", "wechat:fake_wx_001"]


def test_unknown_actor_is_404(env: Env) -> None:
    env.login("alice")
    assert env.client.get("/actors/nobody").status_code == 404
    assert env.client.get("/api/actors/nobody").status_code == 404


def test_actor_pages_are_for_the_roles_that_work_clues(env: Env) -> None:
    busy, _ = _two_actors(env)
    expected = {"analyst", "supervisor", "liaison"}
    assert roles_allowed(env, "GET", "/actors") == expected
    assert roles_allowed(env, "GET", f"/api/actors/{busy}") == expected
    logout(env.client)
    assert env.client.get("/api/actors").status_code == 401
    assert env.client.get("/actors", follow_redirects=False).status_code == 303


def test_actor_contacts_and_titles_are_escaped(env: Env) -> None:
    env.store.write_posts(
        [make_post(1, title="<script>alert(1)</script>", contacts={"wechat": "fake_wx_002"})]
    )
    actor_id = env.store.get(make_post(1).post.id).actor_id
    env.login("alice")
    page = env.client.get(f"/actors/{actor_id}").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
