"""The store interface every backend implements, and the contract its tests check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError

from index.models import (
    Actor,
    Aggregations,
    AuditEvent,
    ClueState,
    CrawlRun,
    ExportRecord,
    Feedback,
    QueueFilter,
    QueuePage,
    ScoredPost,
    Verdict,
)


@dataclass
class WriteResult:
    """Outcome of a bulk write: what was stored, and which records were rejected and why."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.new + self.changed


def validate_posts(
    items: Sequence[ScoredPost | Mapping[str, Any]], result: WriteResult
) -> list[tuple[int, ScoredPost]]:
    """The records that validate, with their positions; the others go to
    `result.rejected` with the field paths at fault (the store boundary)."""
    valid: list[tuple[int, ScoredPost]] = []
    for position, item in enumerate(items):
        try:
            valid.append(
                (
                    position,
                    item if isinstance(item, ScoredPost) else ScoredPost.model_validate(item),
                )
            )
        except ValidationError as exc:
            result.rejected.append((position, describe_validation_error(exc)))
    return valid


def describe_validation_error(exc: ValidationError) -> str:
    """Why a record was rejected, naming each field path."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "record"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def export_conflict(
    export_id: str, expected_version: int | None, stored_version: int | None
) -> str | None:
    """Why a bundle record may not be written over what is stored, or None.

    `expected_version` None writes unconditionally; 0 means the record must be
    new; n means the stored record must still be at version n.
    """
    if expected_version is None or expected_version == (stored_version or 0):
        return None
    if stored_version is None:
        return f"bundle {export_id} does not exist (expected version {expected_version})"
    if expected_version == 0:
        return f"bundle {export_id} already exists"
    return (
        f"bundle {export_id} changed since it was read "
        f"(version {stored_version}, expected {expected_version}); reload it"
    )


@dataclass
class User:
    username: str
    role: str
    password_hash: str
    disabled: bool = False


@dataclass
class PurgeResult:
    """What a retention purge removed: post ids, and raw hashes no stored post refers to any more."""

    post_ids: list[str] = field(default_factory=list)
    orphaned_raw_hashes: list[str] = field(default_factory=list)


@runtime_checkable
class Store(Protocol):
    """The clue register. Backends: `index.sqlite.SQLiteStore` (default) and
    `index.elastic.ElasticStore` (production). `tests/index/test_contract.py` is the
    behaviour every backend must show.
    """

    backend: str

    def write_posts(self, items: Sequence[ScoredPost | Mapping[str, Any]]) -> WriteResult:
        """Validate and upsert posts in bulk.

        A record that fails validation is listed in `rejected` with its position and
        the reason; the rest of the batch is still written. A post whose content hash
        is unchanged is left alone; a changed one keeps its previous content as history.
        """
        ...

    def content_hashes(self, post_ids: Iterable[str]) -> dict[str, str]:
        """Stored content hash per known post id (unknown ids are absent)."""
        ...

    def get(self, post_id: str) -> ScoredPost:
        """The stored post; raises `NotFound`."""
        ...

    def get_many(self, post_ids: Sequence[str]) -> list[ScoredPost]:
        """Stored posts in the order asked; unknown ids are left out."""
        ...

    def queue(self, flt: QueueFilter) -> QueuePage:
        """One page of posts matching the filter, with highlights when `flt.q` is set.

        Raises `ValueError` for a cursor that does not belong to the filter's sort.
        """
        ...

    def thread(self, thread_id: str, *, limit: int = 500) -> list[ScoredPost]:
        """A thread's first post (id `thread_id`) and its replies, oldest first."""
        ...

    def cluster(self, cluster_id: str, *, limit: int = 200) -> list[ScoredPost]:
        """Posts of a near-duplicate cluster, oldest first."""
        ...

    def actor(self, actor_id: str) -> Actor:
        """An actor and its summary; raises `NotFound`."""
        ...

    def actors(self, *, limit: int = 50, min_posts: int = 1) -> list[Actor]:
        """Actors ordered by number of flagged posts, then posts."""
        ...

    def actor_posts(self, actor_id: str, *, limit: int = 500) -> list[ScoredPost]:
        """An actor's posts across sites, oldest first (a timeline)."""
        ...

    def aggregations(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Aggregations: ...

    def count_by_state(self) -> dict[ClueState, int]: ...

    def count_posts(self) -> int: ...

    def term_hits(self) -> list[dict[str, Any]]: ...

    def record_verdict(
        self, verdict: Verdict, *, expected_version: int | None = None
    ) -> ScoredPost:
        """Store a verdict, move the clue's state and append audit events.

        With `expected_version`, raises `ConflictError` when someone else changed the
        clue since it was read.
        """
        ...

    def verdicts(self, post_id: str) -> list[Verdict]: ...

    def assign(
        self,
        post_id: str,
        assignee: str | None,
        *,
        by: str,
        force: bool = False,
        expected_version: int | None = None,
    ) -> ScoredPost:
        """Claim (assignee == by) or assign a post; `None` releases it.

        Without `force`, taking a post someone else holds raises `ConflictError`.
        """
        ...

    def add_note(self, post_id: str, author: str, text: str) -> AuditEvent: ...

    def mark_transferred(self, post_ids: Sequence[str], export_id: str, *, by: str) -> None:
        """Move confirmed clues to transferred with the bundle id, all or none
        (`LifecycleError` naming the posts that are not confirmed)."""
        ...

    def record_feedback(self, feedback: Feedback) -> ScoredPost:
        """Police feedback on a transferred clue; the clue moves to feedback."""
        ...

    def feedback(self, post_id: str) -> list[Feedback]: ...

    def save_export(
        self,
        record: ExportRecord,
        *,
        expected_version: int | None = None,
        events: Sequence[AuditEvent] = (),
    ) -> ExportRecord:
        """Store a bundle record and append `events` to the audit log with it.

        Without `expected_version` the record is written as given. With it the write
        is conditional (`export_conflict`: 0 = must be new, n = stored version must
        be n; else `ConflictError`, nothing written) and the stored record gets
        version n + 1. Returns the record as stored.
        """
        ...

    def get_export(self, export_id: str) -> ExportRecord: ...

    def exports(self, *, limit: int = 50) -> list[ExportRecord]: ...

    def purge_dismissed(self, older_than: datetime, *, by: str) -> PurgeResult:
        """Delete posts dismissed before `older_than` (by their last change).

        Never touches any other state. The purge itself is an audit event; earlier
        audit events stay (the chain is append-only).
        """
        ...

    def history(self, post_id: str) -> list[dict[str, Any]]:
        """Earlier contents of a post that changed between crawls, oldest first."""
        ...

    def audit_events(
        self,
        *,
        post_id: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_seq: int | None = None,
        limit: int = 200,
    ) -> list[AuditEvent]:
        """Newest first: events at or after `since` and before `until`; `before_seq`
        pages back (events with a lower seq than the last one shown)."""
        ...

    def append_audit(self, event: AuditEvent) -> AuditEvent: ...

    def verify_audit_chain(self) -> list[str]:
        """Problems found in the audit hash chain; empty when intact."""
        ...

    def save_crawl_run(self, run: CrawlRun) -> None: ...

    def crawl_runs(self, *, site: str | None = None, limit: int = 50) -> list[CrawlRun]: ...

    def add_user(self, user: User) -> None: ...

    def get_user(self, username: str) -> User | None: ...

    def update_user(self, user: User) -> None: ...

    def users(self) -> list[User]: ...

    def create_session(
        self, session_id: str, username: str, csrf: str, expires_at: datetime
    ) -> None: ...

    def get_session(self, session_id: str) -> tuple[str, str, datetime] | None: ...

    def delete_session(self, session_id: str) -> None: ...

    def close(self) -> None: ...
