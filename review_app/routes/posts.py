"""The post page and its forms: verdict, claim, release, assign, note, police feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cluewatch.taxonomy import CATEGORIES, CATEGORY_NAMES_ZH
from index.models import ClueState
from review_app import lifecycle
from review_app.auth import (
    CLAIM_ROLES,
    CLUE_ROLES,
    FEEDBACK_ROLES,
    SUPERVISOR_ROLES,
    VERDICT_ROLES,
    Session,
)
from review_app.deps import Access, safe_next, services
from review_app.detail import post_detail
from review_app.highlight import segments
from review_app.labels import (
    ACTION_NAMES_ZH,
    FEEDBACK_NAMES_ZH,
    STATE_NAMES_ZH,
    TECHNIQUE_NAMES_ZH,
    VERDICT_NAMES_ZH,
    WEIGHT_NAMES_ZH,
    lifecycle_steps,
)

router = APIRouter(tags=["pages"])

Reader = Annotated[Session, Depends(Access(CLUE_ROLES, page=True))]
Judge = Annotated[Session, Depends(Access(VERDICT_ROLES, page=True, change=True))]
Claimer = Annotated[Session, Depends(Access(CLAIM_ROLES, page=True, change=True))]
Supervisor = Annotated[Session, Depends(Access(SUPERVISOR_ROLES, page=True, change=True))]
Noter = Annotated[Session, Depends(Access(CLUE_ROLES, page=True, change=True))]
Liaison = Annotated[Session, Depends(Access(FEEDBACK_ROLES, page=True, change=True))]
# Where a form returns to: the post page, or the queue page the form was on.
Back = Annotated[str, Form(max_length=2000)]


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(request: Request, post_id: str, session: Reader) -> Response:
    svc = services(request)
    sp = lifecycle.load_post(svc.store, post_id)
    detail = post_detail(svc.store, svc.settings.evidence_dir, sp)
    role = session.user.role
    return svc.templates.TemplateResponse(
        request,
        "post.html",
        {
            "session": session,
            "sp": sp,
            "d": detail,
            "segments": segments(sp.post.scored_text, sp.scores.matches, sp.scores.entities),
            "steps": lifecycle_steps(sp.state),
            "categories": CATEGORIES,
            "category_names": CATEGORY_NAMES_ZH,
            "state_names": STATE_NAMES_ZH,
            "verdict_names": VERDICT_NAMES_ZH,
            "feedback_names": FEEDBACK_NAMES_ZH,
            "action_names": ACTION_NAMES_ZH,
            "technique_names": TECHNIQUE_NAMES_ZH,
            "weight_names": WEIGHT_NAMES_ZH,
            "can_judge": role in VERDICT_ROLES and lifecycle.may_judge(session, sp),
            "can_claim": role in CLAIM_ROLES,
            "can_assign": role in SUPERVISOR_ROLES,
            "can_feedback": role in FEEDBACK_ROLES
            and sp.state in (ClueState.TRANSFERRED, ClueState.FEEDBACK),
            "assignees": _assignees(request) if role in SUPERVISOR_ROLES else [],
        },
    )


def _assignees(request: Request) -> list[str]:
    users = services(request).store.users()
    return sorted(u.username for u in users if u.role in CLAIM_ROLES and not u.disabled)


def _back(post_id: str, back: str) -> RedirectResponse:
    """After a form: back to the queue page it came from (same-site only), else the post."""
    target = safe_next(back) if back else f"/posts/{post_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/posts/{post_id}/verdict")
def verdict_form(
    request: Request,
    post_id: str,
    session: Judge,
    kind: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=10_000)] = "",
    version: Annotated[int | None, Form()] = None,
    back: Back = "",
) -> Response:
    lifecycle.give_verdict(services(request).store, session, post_id, kind, note, version)
    return _back(post_id, back)


@router.post("/posts/{post_id}/claim")
def claim_form(
    request: Request,
    post_id: str,
    session: Claimer,
    version: Annotated[int | None, Form()] = None,
    back: Back = "",
) -> Response:
    lifecycle.claim(services(request).store, session, post_id, version)
    return _back(post_id, back)


@router.post("/posts/{post_id}/release")
def release_form(request: Request, post_id: str, session: Claimer, back: Back = "") -> Response:
    lifecycle.release(services(request).store, session, post_id)
    return _back(post_id, back)


@router.post("/posts/{post_id}/assign")
def assign_form(
    request: Request,
    post_id: str,
    session: Supervisor,
    assignee: Annotated[str, Form(max_length=64)],
) -> Response:
    lifecycle.assign(services(request).store, session, post_id, assignee)
    return _back(post_id, "")


@router.post("/posts/{post_id}/notes")
def note_form(
    request: Request,
    post_id: str,
    session: Noter,
    text: Annotated[str, Form(max_length=10_000)],
) -> Response:
    lifecycle.add_note(services(request).store, session, post_id, text)
    return _back(post_id, "")


@router.post("/posts/{post_id}/feedback")
def feedback_form(
    request: Request,
    post_id: str,
    session: Liaison,
    outcome: Annotated[str, Form(max_length=20)],
    reference: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    lifecycle.record_feedback(services(request).store, session, post_id, outcome, reference, note)
    return _back(post_id, "")
