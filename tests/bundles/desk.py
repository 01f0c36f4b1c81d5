"""A bundle desk for tests: a real SQLite store, real evidence files, users of every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cluewatch.settings import Settings
from index.base import User
from index.evidence import EvidenceStore
from index.models import Verdict, VerdictKind
from index.sqlite import SQLiteStore
from review_app.auth import add_user
from review_app.bundles.service import Bundles
from tests.factories import make_post

PASSWORD = "correct-horse-battery"
T0 = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


@dataclass
class Desk:
    """The people and the register a bundle goes through."""

    settings: Settings
    store: SQLiteStore
    bundles: Bundles
    liaison: User
    liaison2: User
    supervisor: User
    analyst: User

    def user(self, name: str) -> User:
        user = self.store.get_user(name)
        assert user is not None
        return user


def page_html(n: int, text: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>帖子</title></head><body>"
        f"<h1>求助 {n}</h1><p>{text}</p>"
        '<img src="http://127.0.0.1:9/tracker.png"><script>document.title="x"</script>'
        "</body></html>"
    ).encode()


def seed_clues(
    desk: Desk, count: int, *, start: int = 1, evidence: bool = True, confirm: bool = True
) -> list[str]:
    """`count` posts with captured evidence, confirmed by the analyst; their ids."""
    store, ev = desk.store, EvidenceStore(desk.settings.evidence_dir)
    posts = []
    for n in range(start, start + count):
        text = f"代孕 包成功 电话 13800000000 加微信 fake_wx_{n:03d}"
        raw = None
        if evidence:
            raw = ev.put_capture(
                url=f"http://127.0.0.1/thread/{n}",
                status=200,
                headers=[("Content-Type", "text/html; charset=utf-8")],
                body=page_html(n, text),
                captured_at=T0 + timedelta(minutes=n),
                meta={
                    "site": "test-forum",
                    "spider": "config:test-forum",
                    "method": "GET",
                    "request_headers": [["User-Agent", "cluewatch/0.1 (test)"]],
                    "redirects": [{"url": f"http://127.0.0.1/t?id={n}", "status": 301}],
                },
            )
        posts.append(
            make_post(
                n,
                text="代孕 包成功 电话 13800000000 加微信",
                contacts={"wechat": f"fake_wx_{n:03d}"},
                raw_hash=raw,
                captured_at=T0 + timedelta(minutes=n),
            )
        )
    store.write_posts(posts)
    ids = [sp.post.id for sp in posts]
    if confirm:
        for post_id in ids:
            store.record_verdict(
                Verdict(post_id=post_id, kind=VerdictKind.CONFIRM, analyst="alice", note="可移交")
            )
    return ids


def make_desk(tmp_path: Path, **settings_fields: object) -> Desk:
    settings = Settings(
        data_dir=tmp_path / "data", **({"bundle_screenshots": False} | settings_fields)
    )
    store = SQLiteStore(settings.store_path)
    users = {
        name: add_user(store, name, PASSWORD, role)
        for name, role in (
            ("lia", "liaison"),
            ("lia2", "liaison"),
            ("sup", "supervisor"),
            ("alice", "analyst"),
        )
    }
    return Desk(
        settings=settings,
        store=store,
        bundles=Bundles(store=store, settings=settings),
        liaison=users["lia"],
        liaison2=users["lia2"],
        supervisor=users["sup"],
        analyst=users["alice"],
    )
