"""The post page in-process: why it was flagged, captured page, neighbours, lifecycle, audit log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from cluewatch.settings import Settings
from index.evidence import EvidenceStore
from index.models import AuditEvent, ClueState
from index.sqlite import SQLiteStore
from tests.factories import make_post
from tests.review_app.helpers import csrf_of, login, relogin

CAPTURED = "<html><head><meta charset=gbk><title>代孕</title></head><body>代孕 微信 fake_wx_001</body></html>"


def _capture(settings: Settings) -> str:
    body = CAPTURED.encode("gbk")
    return EvidenceStore(settings.evidence_dir).put_capture(
        url="http://127.0.0.1/thread/1",
        status=200,
        headers=[("Content-Type", "text/html; charset=GBK")],
        body=body,
        captured_at=datetime(2025, 5, 1, 8, tzinfo=UTC),
    )


def test_post_page_shows_capture_thread_duplicates_and_actor(
    client: TestClient, store: SQLiteStore, settings: Settings
) -> None:
    sha = _capture(settings)
    first = make_post(1, raw_hash=sha, contacts={"wechat": "fake_wx_001"})
    reply = make_post(2, kind="reply", thread_id=first.post.id, text="顶 私聊", title="")
    repost = make_post(3, site="other-forum", contacts={"wechat": "fake_wx_001"})
    store.write_posts([first, reply, repost])
    login(client)
    page = client.get(f"/posts/{first.post.id}").text
    assert sha in page and "2025-05-01 08:00:00 UTC" in page
    assert (
        f'<iframe class="capture" id="capture-frame" sandbox src="/api/posts/{first.post.id}/capture"'
        in page
    )
    assert f'href="/posts/{reply.post.id}"' in page  # thread context
    assert f'href="/posts/{repost.post.id}"' in page  # near-duplicate
    actor_id = store.get(first.post.id).actor_id
    assert actor_id and f'href="/actors/{actor_id}"' in page and "微信 fake_wx_001" in page
    assert '<li class="current">登记</li>' in page
    detail = client.get(f"/api/posts/{first.post.id}").json()
    assert detail["evidence"]["sha256"] == sha and detail["evidence"]["size"] == len(
        CAPTURED.encode("gbk")
    )
    assert [p["post"]["id"] for p in detail["thread"]] == [first.post.id, reply.post.id]
    assert [p["post"]["id"] for p in detail["duplicates"]] == [repost.post.id]
    assert detail["actor"]["id"] == actor_id


def test_captured_page_is_served_as_inert_text(
    client: TestClient, store: SQLiteStore, settings: Settings
) -> None:
    sha = _capture(settings)
    sp = make_post(1, raw_hash=sha)
    store.write_posts([sp, make_post(2, raw_hash="a" * 64)])
    login(client)
    shown = client.get(f"/api/posts/{sp.post.id}/capture")
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "text/plain; charset=utf-8"
    assert shown.headers["content-security-policy"].startswith("sandbox; default-src 'none'")
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.text == CAPTURED  # decoded from GBK as the capture declared
    raw = client.get(f"/api/posts/{sp.post.id}/capture", params={"download": "true"})
    assert hashlib.sha256(raw.content).hexdigest() == sha
    assert raw.headers["content-disposition"] == f'attachment; filename="{sha}.body"'
    missing = client.get(f"/api/posts/{make_post(2).post.id}/capture")
    assert missing.status_code == 404
    assert "原始页面文件不在本机" in client.get(f"/posts/{make_post(2).post.id}").text


def test_lifecycle_from_verdict_to_police_feedback(client: TestClient, store: SQLiteStore) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    pid = sp.post.id
    login(client, "alice")
    token = csrf_of(client, f"/posts/{pid}")
    client.post(f"/posts/{pid}/notes", data={"csrf": token, "text": "联系方式与上月线索相同"})
    done = client.post(
        f"/posts/{pid}/verdict",
        data={"csrf": token, "kind": "confirm", "note": "可移交", "version": 1},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/posts/{pid}"
    assert 'id="feedback-form"' not in client.get(f"/posts/{pid}").text  # analysts don't
    store.mark_transferred([pid], "bundle-0001", by="lia")

    relogin(client, "lia")
    page = client.get(f"/posts/{pid}").text
    assert "bundle-0001" in page and '<li class="current">移交</li>' in page
    assert 'id="verdict-form"' not in page  # a liaison gives no verdicts
    token = csrf_of(client, f"/posts/{pid}")
    client.post(
        f"/posts/{pid}/feedback",
        data={"csrf": token, "outcome": "case_opened", "reference": "公(刑)立字[2025]0001号"},
    )
    assert store.get(pid).state is ClueState.FEEDBACK
    page = client.get(f"/posts/{pid}").text
    assert "已立案" in page and "公(刑)立字[2025]0001号" in page
    actions = [e.action for e in store.audit_events(post_id=pid)]
    assert actions == ["feedback", "transfer", "verdict.confirm", "note", "register"]
    for label in ("备注", "研判：确认线索", "移交", "处置反馈", "联系方式与上月线索相同"):
        assert label in page
    bad = client.post(f"/posts/{pid}/feedback", data={"csrf": token, "outcome": "maybe"})
    assert bad.status_code == 422 and "outcome" in bad.text
    empty = client.post(f"/posts/{pid}/notes", data={"csrf": token, "text": "  "})
    assert empty.status_code == 422


def test_feedback_before_transfer_is_refused(client: TestClient, store: SQLiteStore) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    token = relogin(client, "lia")
    response = client.post(
        f"/api/posts/{sp.post.id}/feedback",
        json={"outcome": "received"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 409 and "transferred" in response.json()["detail"]
    assert store.get(sp.post.id).state is ClueState.REGISTERED


def test_audit_page_and_api_filter_by_post_user_action_and_date(
    client: TestClient, store: SQLiteStore
) -> None:
    a, b = make_post(1), make_post(2)
    store.write_posts([a, b])
    store.add_note(a.post.id, "alice", "甲")
    store.add_note(b.post.id, "bob", "乙")
    store.append_audit(
        AuditEvent(actor="sam", action="note", at=datetime.now(UTC) - timedelta(days=10), note="旧")
    )
    relogin(client, "alice")
    assert client.get("/audit").status_code == 403  # analysts read the log on posts only
    assert client.get("/api/audit").status_code == 403
    relogin(client, "sam")
    notes = client.get("/api/audit", params={"action": "note"}).json()["events"]
    assert [e["note"] for e in notes] == ["旧", "乙", "甲"]  # newest appended first
    by_bob = client.get("/api/audit", params={"actor": "bob"}).json()["events"]
    assert [e["note"] for e in by_bob] == ["乙"]
    on_a = client.get("/api/audit", params={"post": a.post.id}).json()["events"]
    assert {e["action"] for e in on_a} == {"note", "register"}
    today = datetime.now(UTC).date().isoformat()
    recent = client.get("/api/audit", params={"action": "note", "since": today}).json()
    assert [e["note"] for e in recent["events"]] == ["乙", "甲"]
    paged = client.get("/api/audit", params={"limit": 2}).json()
    older = client.get("/api/audit", params={"limit": 2, "before": paged["next_before"]}).json()
    seqs = [e["seq"] for e in paged["events"] + older["events"]]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 4
    page = client.get("/audit", params={"actor": "bob"}).text
    assert "乙" in page and "甲" not in page
    bad = client.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.text
    assert client.get("/api/audit", params={"until": "2025-02-30"}).status_code == 400
