"""The store interface every backend implements, and the contract its tests check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from index.models import AuditEvent, ClueState, CrawlRun, QueueFilter, ScoredPost, Verdict


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


@dataclass
class User:
    username: str
    role: str
    password_hash: str
    disabled: bool = False


@runtime_checkable
class Store(Protocol):
    """The clue register. Backends: `index.sqlite.SQLiteStore` (default)."""

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

    def queue(self, flt: QueueFilter) -> list[ScoredPost]: ...

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

    def history(self, post_id: str) -> list[dict[str, Any]]:
        """Earlier contents of a post that changed between crawls, oldest first."""
        ...

    def audit_events(self, *, post_id: str | None = None, limit: int = 200) -> list[AuditEvent]: ...

    def append_audit(self, event: AuditEvent) -> AuditEvent: ...

    def verify_audit_chain(self) -> list[str]:
        """Problems found in the audit hash chain; empty when intact."""
        ...

    def save_crawl_run(self, run: CrawlRun) -> None: ...

    def crawl_runs(self, *, site: str | None = None, limit: int = 50) -> list[CrawlRun]: ...

    def add_user(self, user: User) -> None: ...

    def get_user(self, username: str) -> User | None: ...

    def update_user(self, user: User) -> None: ...

    def close(self) -> None: ...
