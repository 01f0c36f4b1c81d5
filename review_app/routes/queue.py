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
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    svc = services(request)
    states = [ClueState(state)] if state in {s.value for s in ClueState} else None
    flt = QueueFilter(
        category=category if category in CATEGORIES else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        **({"states": states} if states else {}),
    )
    items = svc.store.queue(flt)
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
            "page": page,
            "has_next": len(items) == PAGE_SIZE,
            "categories": CATEGORIES,
            "category_names": CATEGORY_NAMES_ZH,
            "state_names": STATE_NAMES_ZH,
        },
    )
