"""The review queue page: flagged posts ordered by clue score, filters, search, bulk verdicts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cluewatch.taxonomy import CATEGORIES, CATEGORY_NAMES_ZH
from index.models import ClueState, QueuePage
from review_app import lifecycle
from review_app.auth import CLAIM_ROLES, CLUE_ROLES, VERDICT_ROLES, Session
from review_app.deps import Access, safe_next, services
from review_app.filters import BadFilter, QueueQuery, queue_filter, queue_query
from review_app.labels import STATE_NAMES_ZH, VERDICT_NAMES_ZH

router = APIRouter(tags=["pages"])
PAGE_SIZE = 50
# The API answers such a cursor with 400 (`review_app.routes.api.CURSOR_ERROR_ZH`).
CURSOR_NOTICE_ZH = "翻页链接已失效（可能来自另一种排序或被改动），已显示第一页。"


@router.get("/", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: Annotated[Session, Depends(Access(CLUE_ROLES, page=True))],
    query: Annotated[QueueQuery, Depends(queue_query)],
    cursor: Annotated[str, Query(max_length=500)] = "",
    done: Annotated[int | None, Query(ge=0, le=10_000)] = None,
    refused: Annotated[int | None, Query(ge=0, le=10_000)] = None,
) -> Response:
    svc = services(request)
    error = notice = None
    page = QueuePage(items=[])
    try:
        flt = queue_filter(query, username=session.user.username, limit=PAGE_SIZE, cursor=cursor)
    except BadFilter as exc:
        error = str(exc)
    else:
        try:
            page = svc.store.queue(flt)
        except ValueError:  # a cursor of another sort or a mangled link: the first page
            cursor = ""
            page = svc.store.queue(flt.model_copy(update={"cursor": None}))
            notice = CURSOR_NOTICE_ZH
    here = query.link(cursor=cursor)
    return svc.templates.TemplateResponse(
        request,
        "queue.html",
        {
            "session": session,
            "page": page,
            "query": query,
            "error": error,
            "notice": notice,
            "done": done,
            "refused": refused,
            "counts": svc.store.count_by_state(),
            "here": here,
            "first_link": query.link() if cursor else None,
            "next_link": query.link(cursor=page.next_cursor) if page.next_cursor else None,
            "categories": CATEGORIES,
            "category_names": CATEGORY_NAMES_ZH,
            "states": [s for s in ClueState if s is not ClueState.UNFLAGGED],
            "state_names": STATE_NAMES_ZH,
            "verdict_names": VERDICT_NAMES_ZH,
            "can_judge": session.user.role in VERDICT_ROLES,
            "can_claim": session.user.role in CLAIM_ROLES,
        },
        status_code=400 if error else 200,
    )


@router.post("/verdicts/bulk")
def bulk_verdict_form(
    request: Request,
    session: Annotated[Session, Depends(Access(VERDICT_ROLES, page=True, change=True))],
    kind: Annotated[str, Form(max_length=20)],
    post_id: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    note: Annotated[str, Form(max_length=10_000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    outcomes = lifecycle.bulk_verdicts(services(request).store, session, post_id, kind, note)
    done = sum(o.ok for o in outcomes)
    target = safe_next(back)
    separator = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{separator}done={done}&refused={len(outcomes) - done}", status_code=303
    )
