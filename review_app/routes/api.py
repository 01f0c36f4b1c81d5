"""The JSON API: the same operations as the queue and post pages, described in /openapi.json.

Reads need a session; changes also need the session's CSRF token in the
`X-CSRF-Token` header (from `GET /api/me`). Roles are checked on every call.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from index.evidence import EvidenceStore
from index.models import AuditEvent, Highlight, ScoredPost
from review_app import lifecycle
from review_app.auth import (
    CLAIM_ROLES,
    CLUE_ROLES,
    FEEDBACK_ROLES,
    SUPERVISOR_ROLES,
    VERDICT_ROLES,
    Session,
)
from review_app.deps import ALL_ROLES, Access, services
from review_app.detail import PostDetail, capture_text, post_detail
from review_app.filters import BadFilter, QueueQuery, queue_filter, queue_query
from review_app.lifecycle import MAX_BULK, BulkOutcome

router = APIRouter(prefix="/api", tags=["api"])

Anyone = Annotated[Session, Depends(Access(ALL_ROLES))]
Reader = Annotated[Session, Depends(Access(CLUE_ROLES))]
Judge = Annotated[Session, Depends(Access(VERDICT_ROLES, change=True))]
Claimer = Annotated[Session, Depends(Access(CLAIM_ROLES, change=True))]
Supervisor = Annotated[Session, Depends(Access(SUPERVISOR_ROLES, change=True))]
Noter = Annotated[Session, Depends(Access(CLUE_ROLES, change=True))]
Liaison = Annotated[Session, Depends(Access(FEEDBACK_ROLES, change=True))]

# A captured page is shown as inert text: no scripts, no requests, no plugins, even if a
# browser were to sniff it as HTML; only the review app itself may frame it.
CAPTURE_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
}


# The queue page shows the first page with a notice instead.
CURSOR_ERROR_ZH = "翻页位置（cursor）无效：可能来自另一种排序或被改动，请从第一页开始"

# What GET /api lists: the main resources (every operation is in /openapi.json).
RESOURCES = {
    "me": "/api/me",
    "queue": "/api/queue",
    "post": "/api/posts/{post_id}",
    "bulk_verdicts": "/api/verdicts",
    "audit": "/api/audit",
    "bundles": "/api/bundles",
    "actors": "/api/actors",
    "lexicon": "/api/lexicon",
    "dashboard": "/api/dashboard",
    "runs": "/api/runs",
    "users": "/api/users",
}


class ApiIndex(BaseModel):
    name: str
    openapi: str = Field(description="The API description (OpenAPI 3).")
    login: str = Field(description="How a client gets a session and the CSRF token.")
    resources: dict[str, str]


class Me(BaseModel):
    username: str
    role: str
    csrf: str = Field(description="Send as X-CSRF-Token on every change.")


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


class BulkVerdictIn(BaseModel):
    post_ids: list[str] = Field(min_length=1, max_length=MAX_BULK)
    kind: str = Field(description="confirm | dismiss | escalate | needs_info")
    note: str = Field(default="", max_length=10_000)


class BulkVerdictOut(BaseModel):
    results: list[BulkOutcome]
    done: int
    refused: int


class ClaimIn(BaseModel):
    version: int | None = Field(default=None, description="The clue version read.")


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=64, description="An analyst or supervisor.")


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)


class FeedbackIn(BaseModel):
    outcome: str = Field(description="received | case_opened | no_case")
    reference: str = Field(default="", max_length=200, description="Police case/receipt number.")
    note: str = Field(default="", max_length=10_000)


@router.get("")
def index() -> ApiIndex:
    """Where the API is described and its main resources (no session needed)."""
    return ApiIndex(
        name="cluewatch 线索研判 API",
        openapi="/openapi.json",
        login="POST /login (form: username, password) sets the session cookie; "
        "GET /api/me gives the CSRF token to send as X-CSRF-Token on every change.",
        resources=RESOURCES,
    )


@router.get("/me")
def me(session: Anyone) -> Me:
    """The logged-in user and the CSRF token to send as X-CSRF-Token on changes."""
    return Me(username=session.user.username, role=session.user.role, csrf=session.csrf)


@router.get("/queue")
def queue(
    request: Request,
    session: Reader,
    query: Annotated[QueueQuery, Depends(queue_query)],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> QueueResponse:
    """The review queue: filters as on the queue page, cursor pagination, counts per state."""
    svc = services(request)
    try:
        flt = queue_filter(query, username=session.user.username, limit=limit, cursor=cursor)
        page = svc.store.queue(flt)
    except ValueError as exc:  # BadFilter, or a cursor of another sort
        detail = str(exc) if isinstance(exc, BadFilter) else f"{CURSOR_ERROR_ZH} ({exc})"
        raise HTTPException(status_code=400, detail=detail) from exc
    return QueueResponse(
        items=page.items,
        next_cursor=page.next_cursor,
        highlights=page.highlights,
        counts={k.value: v for k, v in svc.store.count_by_state().items()},
    )


@router.get("/posts/{post_id}")
def post(request: Request, post_id: str, session: Reader) -> PostDetail:
    """A post with its scores and why, history, feedback, thread, near-duplicates, actor and
    captured-page record."""
    svc = services(request)
    return post_detail(
        svc.store, svc.settings.evidence_dir, lifecycle.load_post(svc.store, post_id)
    )


@router.get(
    "/posts/{post_id}/capture",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}, "application/octet-stream": {}}}},
)
def capture(
    request: Request,
    post_id: str,
    session: Reader,
    download: Annotated[bool, Query(description="The raw bytes as a file.")] = False,
) -> Response:
    """The page the post was captured from, as inert text (or its raw bytes to download)."""
    svc = services(request)
    sha = lifecycle.load_post(svc.store, post_id).post.raw_hash
    files = EvidenceStore(svc.settings.evidence_dir)
    if not sha or not files.exists(sha):
        raise HTTPException(status_code=404, detail="没有抓取的原始页面 (no captured page)")
    if download:
        return Response(
            files.get(sha),
            media_type="application/octet-stream",
            headers={
                **CAPTURE_HEADERS,
                "Content-Disposition": f'attachment; filename="{sha}.body"',
            },
        )
    return Response(
        capture_text(svc.settings.evidence_dir, sha),
        media_type="text/plain; charset=utf-8",
        headers=CAPTURE_HEADERS,
    )


@router.post("/posts/{post_id}/verdict")
def verdict(request: Request, post_id: str, body: VerdictIn, session: Judge) -> ScoredPost:
    """研判: a verdict with a note. 409 when the clue changed since `version`, when someone
    else holds its claim (supervisors may override), or when it has left the 研判 step.
    A verdict the clue's state already matches changes and records nothing: 200 with the
    unchanged clue (a note given with it is added as a note)."""
    return lifecycle.give_verdict(
        services(request).store, session, post_id, body.kind, body.note, body.version
    )


@router.post("/verdicts")
def bulk_verdict(request: Request, body: BulkVerdictIn, session: Judge) -> BulkVerdictOut:
    """One verdict on many posts; each post succeeds or is refused on its own."""
    results = lifecycle.bulk_verdicts(
        services(request).store, session, body.post_ids, body.kind, body.note
    )
    done = sum(r.ok for r in results)
    return BulkVerdictOut(results=results, done=done, refused=len(results) - done)


@router.post("/posts/{post_id}/claim")
def claim(request: Request, post_id: str, body: ClaimIn, session: Claimer) -> ScoredPost:
    """Claim a post for yourself; 409 when someone else holds it."""
    return lifecycle.claim(services(request).store, session, post_id, body.version)


@router.post("/posts/{post_id}/release")
def release(request: Request, post_id: str, session: Claimer) -> ScoredPost:
    """Release your claim (supervisors may release anyone's)."""
    return lifecycle.release(services(request).store, session, post_id)


@router.post("/posts/{post_id}/assign")
def assign(request: Request, post_id: str, body: AssignIn, session: Supervisor) -> ScoredPost:
    """Assign a post to an analyst or supervisor (supervisors only)."""
    return lifecycle.assign(services(request).store, session, post_id, body.assignee)


@router.post("/posts/{post_id}/notes")
def note(request: Request, post_id: str, body: NoteIn, session: Noter) -> AuditEvent:
    """Add a note to a post (an audit event)."""
    return lifecycle.add_note(services(request).store, session, post_id, body.text)


@router.post("/posts/{post_id}/feedback")
def feedback(request: Request, post_id: str, body: FeedbackIn, session: Liaison) -> ScoredPost:
    """处置反馈: police feedback on a transferred clue."""
    return lifecycle.record_feedback(
        services(request).store, session, post_id, body.outcome, body.reference, body.note
    )
