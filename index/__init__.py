"""The clue register: the stored data model and its backends behind one interface."""

from index.base import Store
from index.models import (
    AuditEvent,
    ClueState,
    CrawlRun,
    Entity,
    Match,
    Post,
    QueueFilter,
    ScoredPost,
    Scores,
    Verdict,
    VerdictKind,
)

__all__ = [
    "AuditEvent",
    "ClueState",
    "CrawlRun",
    "Entity",
    "Match",
    "Post",
    "QueueFilter",
    "ScoredPost",
    "Scores",
    "Store",
    "Verdict",
    "VerdictKind",
]
