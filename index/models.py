"""One data model from spider to bundle (format `cluewatch.post.v1`).

The store validates every record with these models at its boundary; the
crawler builds them, the review app and exports read them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cluewatch.taxonomy import BENIGN, CATEGORIES

MAX_TEXT_CHARS = 1_000_000
MAX_TITLE_CHARS = 2_000
POST_FORMAT = "cluewatch.post.v1"

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_text(value: datetime) -> str:
    """UTC with microseconds, fixed width, so that stored times compare correctly as text."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "+00:00"


def post_id_for(site: str, url: str) -> str:
    """A post's stable id: the same site and URL always give the same id."""
    return hashlib.sha256(f"{site}\n{url}".encode()).hexdigest()[:20]


def content_hash(title: str, text: str) -> str:
    """SHA-256 of a post's title and text: unchanged content keeps its hash across crawls."""
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Post(_Model):
    """A crawled post: a thread's first floor, a reply, a listing or a microblog entry."""

    id: str = Field(min_length=1, max_length=64)
    site: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=4_000)
    kind: Literal["thread", "reply", "listing", "entry"] = "thread"
    thread_id: str | None = Field(default=None, description="The thread a reply belongs to.")
    title: str = Field(default="", max_length=MAX_TITLE_CHARS)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    author: str | None = Field(default=None, max_length=200)
    published_at: datetime | None = None
    captured_at: datetime = Field(default_factory=utcnow)
    content_hash: str = Field(min_length=64, max_length=64)
    raw_hash: str | None = Field(
        default=None, description="SHA-256 of the raw response bytes the post came from."
    )
    extra: dict[str, str] = Field(
        default_factory=dict, description="Site fields such as price, contact, area."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("published_at", "captured_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone")
        return value

    @property
    def scored_text(self) -> str:
        """The text that offsets in matches and entities refer to (FORMATS.md)."""
        return f"{self.title}\n{self.text}" if self.title else self.text


class Match(_Model):
    term: str
    category: str
    weight: Literal["strong", "medium", "weak"]
    surface: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    technique: str = "plain"


class Entity(_Model):
    kind: str
    value: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Scores(_Model):
    """What scoring found in a post: per-category probabilities and why."""

    score: Probability
    label: str
    flagged: bool
    categories: dict[str, Probability]
    model_categories: dict[str, Probability] = Field(default_factory=dict)
    matches: list[Match] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    model_version: str
    lexicon_version: str

    @field_validator("categories")
    @classmethod
    def _all_categories(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(CATEGORIES):
            raise ValueError(f"must have exactly the keys {', '.join(CATEGORIES)}")
        return value

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if value != BENIGN and value not in CATEGORIES:
            raise ValueError(f"unknown label {value!r}")
        return value


class ClueState(StrEnum):
    """The clue chain of the action plans: 登记 -> 研判 -> 移交 -> 处置反馈."""

    UNFLAGGED = "unflagged"  # scored below the threshold, not in the queue
    REGISTERED = "registered"  # 登记: flagged, waiting for an analyst
    ESCALATED = "escalated"  # 研判: sent to a supervisor
    NEEDS_INFO = "needs_info"  # 研判: more information needed
    CONFIRMED = "confirmed"  # 研判: confirmed clue, ready for transfer
    DISMISSED = "dismissed"  # 研判: not a clue
    TRANSFERRED = "transferred"  # 移交: sent to police in a bundle
    FEEDBACK = "feedback"  # 处置反馈: police outcome recorded


class VerdictKind(StrEnum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    ESCALATE = "escalate"
    NEEDS_INFO = "needs_info"


VERDICT_STATE: dict[VerdictKind, ClueState] = {
    VerdictKind.CONFIRM: ClueState.CONFIRMED,
    VerdictKind.DISMISS: ClueState.DISMISSED,
    VerdictKind.ESCALATE: ClueState.ESCALATED,
    VerdictKind.NEEDS_INFO: ClueState.NEEDS_INFO,
}

# States from which an analyst's verdict may be given.
VERDICT_FROM: frozenset[ClueState] = frozenset(
    {
        ClueState.UNFLAGGED,
        ClueState.REGISTERED,
        ClueState.ESCALATED,
        ClueState.NEEDS_INFO,
        ClueState.CONFIRMED,
        ClueState.DISMISSED,
    }
)


class Verdict(_Model):
    post_id: str
    kind: VerdictKind
    analyst: str = Field(min_length=1)
    note: str = Field(default="", max_length=10_000)
    categories: list[str] = Field(default_factory=list)
    at: datetime = Field(default_factory=utcnow)

    @field_validator("categories")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"unknown categories {unknown}")
        return value


class ScoredPost(_Model):
    """A post as the store holds it: content, scores and clue state."""

    post: Post
    scores: Scores
    state: ClueState = ClueState.UNFLAGGED
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)
    assignee: str | None = None
    first_seen_at: datetime | None = Field(
        default=None, description="When the store first saw the post (set by the store)."
    )
    cluster_id: str | None = Field(
        default=None,
        description="Near-duplicate cluster: the id of the first stored post of the cluster "
        "(set by the store).",
    )
    actor_id: str | None = Field(
        default=None, description="The actor its contacts link to (set by the store)."
    )

    @model_validator(mode="after")
    def _offsets_inside(self) -> ScoredPost:
        length = len(self.post.scored_text)
        for item in (*self.scores.matches, *self.scores.entities):
            if item.end > length or item.start > item.end:
                raise ValueError(
                    f"offset {item.start}-{item.end} outside the scored text (length {length})"
                )
        return self


class AuditEvent(_Model):
    """One append-only audit record; `hash` chains it to the previous event."""

    seq: int = 0
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str
    post_id: str | None = None
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)
    note: str = ""
    prev_hash: str = ""
    hash: str = ""


class CrawlRun(_Model):
    id: str
    site: str
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: Literal["running", "finished", "failed"] = "running"
    pages: int = 0
    errors: dict[str, int] = Field(default_factory=dict)
    new_posts: int = 0
    changed_posts: int = 0
    flagged_posts: int = 0
    flagged_by_category: dict[str, int] = Field(default_factory=dict)


OPEN_STATES: tuple[ClueState, ...] = (
    ClueState.REGISTERED,
    ClueState.ESCALATED,
    ClueState.NEEDS_INFO,
)
# Contact entity kinds: the ones that link posts into actors.
CONTACT_KINDS: frozenset[str] = frozenset({"phone", "wechat", "qq", "telegram"})
MAX_QUERY_CHARS = 200


class QueueFilter(_Model):
    """What the review queue shows; every field optional.

    Pages follow a cursor (`QueuePage.next_cursor`): the next page starts after
    the last post shown, by the sort key, so posts arriving meanwhile never
    shift or repeat what is already on screen.
    """

    states: list[ClueState] = Field(
        default_factory=lambda: [
            ClueState.REGISTERED,
            ClueState.ESCALATED,
            ClueState.NEEDS_INFO,
        ]
    )
    category: str | None = None
    site: str | None = None
    min_score: float | None = Field(default=None, ge=0, le=1)
    max_score: float | None = Field(default=None, ge=0, le=1)
    since: datetime | None = Field(default=None, description="Captured at or after.")
    until: datetime | None = Field(default=None, description="Captured before.")
    assignee: str | None = Field(
        default=None, description="Claimed by this analyst; the empty string means unclaimed."
    )
    term: str | None = Field(default=None, description="A lexicon term that matched.")
    entity: str | None = Field(
        default=None, description="An entity value, e.g. a phone number or WeChat id."
    )
    actor_id: str | None = None
    cluster_id: str | None = None
    q: str | None = Field(
        default=None, max_length=MAX_QUERY_CHARS, description="Full-text search in title and text."
    )
    sort: Literal["score", "time"] = "score"
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=500)

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None) -> str | None:
        if value is not None and value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}")
        return value

    @field_validator("since", "until")
    @classmethod
    def _aware_bound(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone")
        return value


class Fragment(_Model):
    """A piece of a highlighted snippet: `hit` pieces are what the search matched.

    Snippets are structured, never HTML, so that crawled text is escaped by
    whoever shows it.
    """

    text: str
    hit: bool = False


class Highlight(_Model):
    field: Literal["title", "text"]
    fragments: list[Fragment]


class QueuePage(_Model):
    items: list[ScoredPost]
    next_cursor: str | None = None
    highlights: dict[str, list[Highlight]] = Field(default_factory=dict)


class Actor(_Model):
    """Posts linked by shared contacts, across posts and sites."""

    id: str
    contacts: list[str] = Field(description="Normalised contacts as kind:value.")
    posts: int
    flagged_posts: int
    sites: list[str]
    categories: dict[str, int] = Field(description="Flagged posts per category.")
    first_seen: datetime
    last_seen: datetime


class FeedbackOutcome(StrEnum):
    RECEIVED = "received"  # 已接收
    CASE_OPENED = "case_opened"  # 已立案
    NO_CASE = "no_case"  # 不予立案


class Feedback(_Model):
    """Police feedback on a transferred clue (处置反馈)."""

    post_id: str
    outcome: FeedbackOutcome
    reference: str = Field(default="", max_length=200, description="Police case or receipt number.")
    note: str = Field(default="", max_length=10_000)
    recorded_by: str = Field(min_length=1)
    at: datetime = Field(default_factory=utcnow)


ExportStatus = Literal["prepared", "approved", "downloaded", "rejected"]


class ExportRecord(_Model):
    """A clue bundle: who prepared and approved it, which clues, the file's hash.

    States: prepared (by a liaison) -> approved (by a supervisor other than the
    preparer; the bundle file is built and signed, its clues are transferred) ->
    downloaded (every download counted); a prepared bundle may be rejected.
    `version` is the store's optimistic-concurrency counter (`Store.save_export`).
    """

    id: str = Field(min_length=1, max_length=64)
    status: ExportStatus = "prepared"
    created_by: str = Field(min_length=1)
    created_at: datetime = Field(default_factory=utcnow)
    approved_by: str | None = None
    approved_at: datetime | None = None
    post_ids: list[str]
    sha256: str | None = Field(default=None, description="SHA-256 of the bundle ZIP file.")
    version: int = Field(default=1, ge=1)
    downloads: int = Field(default=0, ge=0)
    last_downloaded_by: str | None = None
    last_downloaded_at: datetime | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class DayCount(_Model):
    day: str  # YYYY-MM-DD, UTC
    key: str
    count: int


class Aggregations(_Model):
    """Dashboard figures over posts first seen in a period."""

    flagged_per_day: list[DayCount] = Field(description="Flagged posts per day per category.")
    per_site: dict[str, dict[str, int]] = Field(description="Posts and flagged posts per site.")
    per_state: dict[str, int]
    throughput: list[DayCount] = Field(description="Verdicts per day per analyst.")
    verdicts_per_category: dict[str, dict[str, int]] = Field(
        description="Confirmed and dismissed clues per category (precision from verdicts)."
    )
    feedback: dict[str, int] = Field(
        default_factory=dict,
        description="Police feedback recorded in the period, per outcome (every outcome listed).",
    )
