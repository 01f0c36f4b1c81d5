"""Everything the post page and `GET /api/posts/{id}` show about one post."""

from __future__ import annotations

import codecs
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from cluewatch.errors import NotFound
from index.base import Store
from index.evidence import EvidenceStore
from index.models import Actor, AuditEvent, Feedback, ScoredPost, Verdict

NEIGHBOURS = 50  # thread posts and near-duplicates shown at most


class Evidence(BaseModel):
    """The captured page a post came from: its hash, capture time, size and source."""

    sha256: str
    available: bool
    captured_at: datetime | None = None
    url: str | None = None
    status: int | None = None
    size: int | None = None
    content_type: str | None = None


class PostDetail(BaseModel):
    post: ScoredPost
    verdicts: list[Verdict]
    feedback: list[Feedback]
    events: list[AuditEvent]
    export_id: str | None = None
    thread: list[ScoredPost]
    duplicates: list[ScoredPost]
    actor: Actor | None = None
    evidence: Evidence | None = None
    history: list[dict[str, Any]]


def post_detail(store: Store, evidence_dir: Path, sp: ScoredPost) -> PostDetail:
    post_id = sp.post.id
    events = list(reversed(store.audit_events(post_id=post_id, limit=1000)))  # oldest first
    return PostDetail(
        post=sp,
        verdicts=store.verdicts(post_id),
        feedback=store.feedback(post_id),
        events=events,
        export_id=_export_id(events),
        thread=_thread(store, sp),
        duplicates=_duplicates(store, sp),
        actor=_actor(store, sp),
        evidence=evidence_of(evidence_dir, sp),
        history=store.history(post_id),
    )


def _export_id(events: list[AuditEvent]) -> str | None:
    """The bundle the clue left in (the last transfer event)."""
    transfers = [e for e in events if e.action == "transfer"]
    export_id = transfers[-1].after.get("export_id") if transfers else None
    return str(export_id) if export_id else None


def _thread(store: Store, sp: ScoredPost) -> list[ScoredPost]:
    thread_id = sp.post.thread_id or (sp.post.id if sp.post.kind == "thread" else None)
    if thread_id is None:
        return []
    posts = store.thread(thread_id, limit=NEIGHBOURS)
    return posts if len(posts) > 1 else []


def _duplicates(store: Store, sp: ScoredPost) -> list[ScoredPost]:
    if not sp.cluster_id:
        return []
    return [d for d in store.cluster(sp.cluster_id, limit=NEIGHBOURS) if d.post.id != sp.post.id]


def _actor(store: Store, sp: ScoredPost) -> Actor | None:
    if not sp.actor_id:
        return None
    try:
        return store.actor(sp.actor_id)
    except NotFound:  # an actor merged into another since the post was read
        return None


def evidence_of(evidence_dir: Path, sp: ScoredPost) -> Evidence | None:
    sha = sp.post.raw_hash
    if not sha:
        return None
    files = EvidenceStore(evidence_dir)
    body = files.path(sha)
    if not body.exists():
        return Evidence(sha256=sha, available=False)
    meta = _capture_record(files.path(sha, ".json"))
    captured = meta.get("captured_at")
    return Evidence(
        sha256=sha,
        available=True,
        captured_at=datetime.fromisoformat(captured) if isinstance(captured, str) else None,
        url=meta.get("url") if isinstance(meta.get("url"), str) else None,
        status=meta.get("status") if isinstance(meta.get("status"), int) else None,
        size=body.stat().st_size,
        content_type=_header(meta, "content-type"),
    )


def _capture_record(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    record = json.loads(path.read_text(encoding="utf-8"))
    return record if isinstance(record, dict) else {}


def _header(meta: dict[str, Any], name: str) -> str | None:
    for pair in meta.get("headers", []):
        if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == name:
            return str(pair[1])
    return None


def capture_text(evidence_dir: Path, sha256: str) -> str:
    """The captured bytes as text, to be served as `text/plain` (never as HTML).

    Decoded with the charset the capture's headers declared when Python knows
    it, else UTF-8, else GB18030; undecodable bytes become U+FFFD.
    """
    files = EvidenceStore(evidence_dir)
    body = files.get(sha256)
    declared = _charset(_header(_capture_record(files.path(sha256, ".json")), "content-type"))
    for encoding in (declared, "utf-8"):
        if encoding:
            try:
                return body.decode(encoding)
            except UnicodeDecodeError:
                continue
    return body.decode("gb18030", errors="replace")


def _charset(content_type: str | None) -> str | None:
    if not content_type or "charset=" not in content_type.lower():
        return None
    name = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
