"""The audit log: every lifecycle step, note and claim, filtered by post, user, action and date."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from index.models import AuditEvent
from review_app.auth import AUDIT_ROLES, Session
from review_app.deps import Access, services
from review_app.filters import AuditQuery, BadFilter, audit_query
from review_app.labels import ACTION_NAMES_ZH

router = APIRouter()
PAGE_SIZE = 100

Before = Annotated[int | None, Query(ge=1, description="Only events older than this seq.")]


class AuditPage(BaseModel):
    events: list[AuditEvent]
    next_before: int | None = None


def _page(request: Request, query: AuditQuery, before: int | None, limit: int) -> AuditPage:
    """One page of events, newest first; `next_before` pages back. Raises `BadFilter`."""
    events = query.events(services(request).store, before_seq=before, limit=limit + 1)
    more = len(events) > limit
    events = events[:limit]
    return AuditPage(events=events, next_before=events[-1].seq if more else None)


@router.get("/audit", response_class=HTMLResponse, tags=["pages"])
def audit_page(
    request: Request,
    session: Annotated[Session, Depends(Access(AUDIT_ROLES, page=True))],
    query: Annotated[AuditQuery, Depends(audit_query)],
    before: Before = None,
) -> Response:
    svc = services(request)
    error = None
    page = AuditPage(events=[])
    try:
        page = _page(request, query, before, PAGE_SIZE)
    except BadFilter as exc:
        error = str(exc)
    return svc.templates.TemplateResponse(
        request,
        "audit.html",
        {
            "session": session,
            "page": page,
            "query": query,
            "error": error,
            "first_link": query.link() if before else None,
            "next_link": query.link(before=str(page.next_before)) if page.next_before else None,
            "action_names": ACTION_NAMES_ZH,
        },
        status_code=400 if error else 200,
    )


@router.get("/api/audit", tags=["api"])
def audit_api(
    request: Request,
    session: Annotated[Session, Depends(Access(AUDIT_ROLES))],
    query: Annotated[AuditQuery, Depends(audit_query)],
    before: Before = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = PAGE_SIZE,
) -> AuditPage:
    """Audit events newest first, with the same filters as the audit page."""
    try:
        return _page(request, query, before, limit)
    except BadFilter as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
