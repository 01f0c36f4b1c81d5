"""Actors: posts linked by shared contacts, ordered by flagged posts; one actor's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from cluewatch.errors import NotFound
from cluewatch.taxonomy import CATEGORY_NAMES_ZH
from index.models import Actor, ScoredPost
from review_app.access import render
from review_app.auth import ACTOR_ROLES, Session
from review_app.deps import Access, services
from review_app.labels import STATE_NAMES_ZH, split_contact

router = APIRouter()
LIST_LIMIT = 100
TIMELINE_LIMIT = 500


class TimelineEntry(BaseModel):
    """One post of an actor, as the timeline shows it."""

    id: str
    captured_at: datetime
    site: str
    url: str
    title: str
    category: str
    score: float
    state: str

    @classmethod
    def of(cls, sp: ScoredPost) -> TimelineEntry:
        return cls(
            id=sp.post.id,
            captured_at=sp.post.captured_at,
            site=sp.post.site,
            url=sp.post.url,
            title=(sp.post.title or sp.post.text)[:80],
            category=sp.scores.label,
            score=sp.scores.score,
            state=sp.state.value,
        )


class ActorDetail(BaseModel):
    actor: Actor
    timeline: list[TimelineEntry]


def actor_detail(request: Request, actor_id: str) -> ActorDetail:
    store = services(request).store
    try:
        actor = store.actor(actor_id)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail="无此人员 (no such actor)") from exc
    posts = store.actor_posts(actor_id, limit=TIMELINE_LIMIT)
    return ActorDetail(actor=actor, timeline=[TimelineEntry.of(sp) for sp in posts])


LABELS = {
    "category_names": CATEGORY_NAMES_ZH,
    "state_names": STATE_NAMES_ZH,
    "split_contact": split_contact,
}


@router.get("/actors", response_class=HTMLResponse)
def actors_page(
    request: Request, session: Annotated[Session, Depends(Access(ACTOR_ROLES, page=True))]
) -> Response:
    actors = services(request).store.actors(limit=LIST_LIMIT)
    return render(request, "actors.html", session, {"actors": actors, **LABELS})


@router.get("/actors/{actor_id}", response_class=HTMLResponse)
def actor_page(
    request: Request,
    actor_id: str,
    session: Annotated[Session, Depends(Access(ACTOR_ROLES, page=True))],
) -> Response:
    detail = actor_detail(request, actor_id)
    context = {
        "actor": detail.actor,
        "timeline": detail.timeline,
        "timeline_limit": TIMELINE_LIMIT,
        **LABELS,
    }
    return render(request, "actor.html", session, context)


@router.get("/api/actors", tags=["api"])
def actors_api(
    request: Request,
    session: Annotated[Session, Depends(Access(ACTOR_ROLES))],
    limit: Annotated[int, Query(ge=1, le=500)] = LIST_LIMIT,
) -> list[Actor]:
    """Actors ordered by number of flagged posts, then posts."""
    return services(request).store.actors(limit=limit)


@router.get("/api/actors/{actor_id}", tags=["api"])
def actor_api(
    request: Request, actor_id: str, session: Annotated[Session, Depends(Access(ACTOR_ROLES))]
) -> ActorDetail:
    """An actor's contacts, sites, categories and its posts across sites, oldest first."""
    return actor_detail(request, actor_id)
