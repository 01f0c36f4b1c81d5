"""The JSON API: the same operations as the pages, described in /openapi.json."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field

from index.models import ClueState, Highlight, QueueFilter, ScoredPost, Verdict
from review_app.auth import Session
from review_app.deps import api_session, check_csrf, services
from review_app.routes.posts import give_verdict, load_post

router = APIRouter(prefix="/api", tags=["api"])


class QueueResponse(BaseModel):
    items: list[ScoredPost]
    next_cursor: str | None = None
    highlights: dict[str, list[Highlight]] = {}
    counts: dict[str, int]


class VerdictIn(BaseModel):
    kind: str = Field(description="confirm | dismiss | escalate | needs_info")
    note: str = Field(default="", max_length=10_000)
    version: int | None = Field(
        default=None, description="The clue version read; 409 if it changed."
    )


class PostDetail(BaseModel):
    post: ScoredPost
    verdicts: list[Verdict]
    events: list[dict[str, Any]]


@router.get("/me")
def me(session: Annotated[Session, Depends(api_session)]) -> dict[str, str]:
    """The logged-in user and the CSRF token to send as X-CSRF-Token on changes."""
    return {"username": session.user.username, "role": session.user.role, "csrf": session.csrf}


@router.get("/queue")
def queue(
    request: Request,
    session: Annotated[Session, Depends(api_session)],
    category: Annotated[str | None, Query(max_length=40)] = None,
    state: Annotated[list[ClueState] | None, Query()] = None,
    site: Annotated[str | None, Query(max_length=100)] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    sort: Annotated[str, Query(pattern="^(score|time)$")] = "score",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> QueueResponse:
    svc = services(request)
    try:  # a bad filter (ValidationError) or a cursor of another sort
        page = svc.store.queue(
            _queue_filter(category, site, min_score, sort, limit, q, cursor, state)
        )
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return QueueResponse(
        items=page.items,
        next_cursor=page.next_cursor,
        highlights=page.highlights,
        counts={k.value: v for k, v in svc.store.count_by_state().items()},
    )


def _queue_filter(
    category: str | None,
    site: str | None,
    min_score: float | None,
    sort: str,
    limit: int,
    q: str | None,
    cursor: str | None,
    state: list[ClueState] | None,
) -> QueueFilter:
    return QueueFilter(
        category=category,
        site=site,
        min_score=min_score,
        sort="time" if sort == "time" else "score",
        limit=limit,
        q=q or None,
        cursor=cursor or None,
        **({"states": state} if state else {}),
    )


@router.get("/posts/{post_id}")
def post(
    request: Request, post_id: str, session: Annotated[Session, Depends(api_session)]
) -> PostDetail:
    svc = services(request)
    return PostDetail(
        post=load_post(request, post_id),
        verdicts=svc.store.verdicts(post_id),
        events=[e.model_dump(mode="json") for e in svc.store.audit_events(post_id=post_id)],
    )


@router.post("/posts/{post_id}/verdict")
def verdict(
    request: Request,
    post_id: str,
    body: VerdictIn,
    session: Annotated[Session, Depends(api_session)],
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> ScoredPost:
    check_csrf(session, x_csrf_token)
    return give_verdict(request, session, post_id, body.kind, body.note, body.version)
