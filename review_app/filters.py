"""Queue and audit filters from query parameters, shared by the pages and the JSON API.

Every parameter arrives as text and is checked here, so that a bad value is
answered with the parameter's name and what is wrong, on a page as in the
API, and never reaches the store unchecked (the store binds every value as a
parameter; search text goes through its own query builder).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query
from pydantic import ValidationError

from cluewatch.taxonomy import CATEGORIES
from index.base import Store
from index.models import MAX_QUERY_CHARS, OPEN_STATES, AuditEvent, ClueState, QueueFilter
from review_app.labels import STATE_NAMES_ZH
from review_app.messages import field_zh, score_problem, validation_zh

# Queue state choices besides single states: the open queue (default) and every flagged state.
STATE_OPEN = "open"
STATE_ALL = "all"
# Assignee choices besides a user name.
ASSIGNEE_NONE = "none"
ASSIGNEE_ME = "me"


class BadFilter(ValueError):
    """A filter value that cannot be used; the message (Chinese) names the parameter."""


def _url(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


@dataclass
class QueueQuery:
    """The queue's filters as given in the URL (empty strings mean 'not set')."""

    category: str = ""
    state: str = ""
    site: str = ""
    min_score: str = ""
    max_score: str = ""
    since: str = ""
    until: str = ""
    term: str = ""
    entity: str = ""
    assignee: str = ""
    q: str = ""
    sort: str = "score"

    def link(self, **changes: str) -> str:
        """A same-site queue URL with these filters (and changes), empty values left out."""
        params = {k: v for k, v in (asdict(self) | changes).items() if v}
        if params.get("sort") == "score":
            params.pop("sort")
        return _url("/", params)

    @property
    def active(self) -> bool:
        return any(v for k, v in asdict(self).items() if k != "sort")


def queue_query(
    category: Annotated[str, Query(max_length=40, description="A category code.")] = "",
    state: Annotated[
        str,
        Query(
            max_length=200,
            description="open (default: registered, escalated, needs_info), all, "
            "or comma-separated states.",
        ),
    ] = "",
    site: Annotated[str, Query(max_length=100)] = "",
    min_score: Annotated[str, Query(max_length=40, description="0 to 1")] = "",
    max_score: Annotated[str, Query(max_length=40, description="0 to 1")] = "",
    since: Annotated[str, Query(max_length=40, description="YYYY-MM-DD (UTC), inclusive")] = "",
    until: Annotated[str, Query(max_length=40, description="YYYY-MM-DD (UTC), inclusive")] = "",
    term: Annotated[str, Query(max_length=100, description="A lexicon term that matched.")] = "",
    entity: Annotated[
        str, Query(max_length=100, description="An entity value: phone, WeChat id, …")
    ] = "",
    assignee: Annotated[
        str, Query(max_length=64, description="none (unclaimed), me, or a user name")
    ] = "",
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="Full-text search.")] = "",
    sort: Annotated[str, Query(pattern="^(score|time)$")] = "score",
) -> QueueQuery:
    return QueueQuery(
        category=category.strip(),
        state=state.strip(),
        site=site.strip(),
        min_score=min_score.strip(),
        max_score=max_score.strip(),
        since=since.strip(),
        until=until.strip(),
        term=term.strip(),
        entity=entity.strip(),
        assignee=assignee.strip(),
        q=q.strip(),
        sort=sort,
    )


def queue_filter(
    query: QueueQuery, *, username: str, limit: int, cursor: str | None
) -> QueueFilter:
    """The store filter for `query`; raises `BadFilter` naming the parameter at fault."""
    for name in ("min_score", "max_score"):
        value = getattr(query, name)
        problem = score_problem(value, name) if value else None
        if problem:
            raise BadFilter(problem)
    if query.category and query.category not in CATEGORIES:
        raise BadFilter(
            f"{field_zh('category')}没有「{query.category}」，可选 {', '.join(CATEGORIES)}"
        )
    raw: dict[str, object] = {
        "states": parse_states(query.state),
        "category": query.category or None,
        "site": query.site or None,
        "min_score": query.min_score or None,
        "max_score": query.max_score or None,
        "since": day_start(query.since, "since"),
        "until": day_end(query.until, "until"),
        "term": query.term or None,
        "entity": query.entity or None,
        "assignee": _assignee(query.assignee, username),
        "q": query.q or None,
        "sort": query.sort,
        "limit": limit,
        "cursor": cursor or None,
    }
    try:
        return QueueFilter.model_validate(raw)
    except ValidationError as exc:
        raise BadFilter(validation_zh(exc.errors())) from exc


def parse_states(value: str) -> list[ClueState]:
    if value in ("", STATE_OPEN):
        return list(OPEN_STATES)
    if value == STATE_ALL:
        return [s for s in ClueState if s is not ClueState.UNFLAGGED]
    known = {s.value for s in ClueState}
    states = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [s for s in states if s not in known]
    if unknown or not states:
        choices = "、".join(f"{STATE_NAMES_ZH[s]} {s}" for s in sorted(known))
        raise BadFilter(
            f"{field_zh('state')}没有「{', '.join(unknown) or value}」，可选 {STATE_OPEN}（待研判）、"
            f"{STATE_ALL}（全部）或 {choices}"
        )
    return [ClueState(s) for s in states]


def _assignee(value: str, username: str) -> str | None:
    if not value:
        return None
    if value == ASSIGNEE_NONE:
        return ""  # the store's "unclaimed"
    if value == ASSIGNEE_ME:
        return username
    return value


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadFilter(f"{field_zh(name)}「{value}」不是有效日期，请用 YYYY-MM-DD 格式") from exc


def day_start(value: str, name: str) -> datetime | None:
    """The first instant (UTC) of the day `value`."""
    day = _day(value, name)
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


def day_end(value: str, name: str) -> datetime | None:
    """The first instant (UTC) after the day `value`: the bound is inclusive of the day."""
    day = _day(value, name)
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC) if day else None


@dataclass
class AuditQuery:
    """The audit log's filters as given in the URL."""

    post: str = ""
    actor: str = ""
    action: str = ""
    since: str = ""
    until: str = ""

    def link(self, **changes: str) -> str:
        return _url("/audit", {k: v for k, v in (asdict(self) | changes).items() if v})

    def events(self, store: Store, *, before_seq: int | None, limit: int) -> list[AuditEvent]:
        """The matching events, newest first; raises `BadFilter` for a bad date."""
        return store.audit_events(
            post_id=self.post or None,
            actor=self.actor or None,
            action=self.action or None,
            since=day_start(self.since, "since"),
            until=day_end(self.until, "until"),
            before_seq=before_seq,
            limit=limit,
        )


def audit_query(
    post: Annotated[str, Query(max_length=64, description="A post id.")] = "",
    actor: Annotated[str, Query(max_length=64, description="The user who acted.")] = "",
    action: Annotated[
        str, Query(max_length=40, description="e.g. verdict.confirm, assign, note, feedback")
    ] = "",
    since: Annotated[str, Query(max_length=40, description="YYYY-MM-DD (UTC), inclusive")] = "",
    until: Annotated[str, Query(max_length=40, description="YYYY-MM-DD (UTC), inclusive")] = "",
) -> AuditQuery:
    return AuditQuery(
        post=post.strip(),
        actor=actor.strip(),
        action=action.strip(),
        since=since.strip(),
        until=until.strip(),
    )
