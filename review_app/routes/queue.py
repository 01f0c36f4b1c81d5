"""The review queue page: flagged posts ordered by clue score."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cluewatch.taxonomy import CATEGORIES, CATEGORY_NAMES_ZH
from index.models import ClueState, QueueFilter
from review_app.auth import Session
from review_app.deps import page_session, services
from review_app.labels import STATE_NAMES_ZH

router = APIRouter()
PAGE_SIZE = 50


@router.get("/", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: Annotated[Session, Depends(page_session)],
    category: Annotated[str | None, Query(max_length=40)] = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    svc = services(request)
    states = [ClueState(state)] if state in {s.value for s in ClueState} else None
    flt = QueueFilter(
        category=category if category in CATEGORIES else None,
        limit=PAGE_SIZE,
        cursor=cursor or None,
        **({"states": states} if states else {}),
    )
    try:
        result = svc.store.queue(flt)
    except ValueError:  # a cursor from another sort or a mangled link: start again
        result = svc.store.queue(flt.model_copy(update={"cursor": None}))
    items = result.items
    counts = svc.store.count_by_state()
    return svc.templates.TemplateResponse(
        request,
        "queue.html",
        {
            "session": session,
            "items": items,
            "counts": counts,
            "category": flt.category,
            "state": state if states else None,
            "first_page": not cursor,
            "next_cursor": result.next_cursor,
            "categories": CATEGORIES,
            "category_names": CATEGORY_NAMES_ZH,
            "state_names": STATE_NAMES_ZH,
        },
    )
