"""Post detail and verdicts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cluewatch.errors import ConflictError, LifecycleError, NotFound
from cluewatch.taxonomy import CATEGORIES, CATEGORY_NAMES_ZH
from index.models import ScoredPost, Verdict, VerdictKind
from review_app.auth import VERDICT_ROLES, Session
from review_app.deps import check_csrf, page_session, require_role, services
from review_app.highlight import segments
from review_app.labels import (
    STATE_NAMES_ZH,
    TECHNIQUE_NAMES_ZH,
    VERDICT_NAMES_ZH,
    WEIGHT_NAMES_ZH,
)

router = APIRouter()


def load_post(request: Request, post_id: str) -> ScoredPost:
    try:
        return services(request).store.get(post_id)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail="帖子不存在 (no such post)") from exc


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(
    request: Request, post_id: str, session: Annotated[Session, Depends(page_session)]
) -> Response:
    svc = services(request)
    sp = load_post(request, post_id)
    return svc.templates.TemplateResponse(
        request,
        "post.html",
        {
            "session": session,
            "sp": sp,
            "segments": segments(sp.post.scored_text, sp.scores.matches, sp.scores.entities),
            "verdicts": svc.store.verdicts(post_id),
            "events": svc.store.audit_events(post_id=post_id),
            "categories": CATEGORIES,
            "category_names": CATEGORY_NAMES_ZH,
            "state_names": STATE_NAMES_ZH,
            "verdict_names": VERDICT_NAMES_ZH,
            "technique_names": TECHNIQUE_NAMES_ZH,
            "weight_names": WEIGHT_NAMES_ZH,
            "can_judge": session.user.role in VERDICT_ROLES,
        },
    )


def give_verdict(
    request: Request, session: Session, post_id: str, kind: str, note: str, version: int | None
) -> ScoredPost:
    require_role(session, VERDICT_ROLES)
    try:
        verdict_kind = VerdictKind(kind)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"未知的研判结论 {kind!r}") from exc
    sp = load_post(request, post_id)
    categories = [sp.scores.label] if sp.scores.label in CATEGORIES else []
    try:
        return services(request).store.record_verdict(
            Verdict(
                post_id=post_id,
                kind=verdict_kind,
                analyst=session.user.username,
                note=note,
                categories=categories,
            ),
            expected_version=version,
        )
    except ConflictError as exc:
        raise HTTPException(
            status_code=409, detail="该线索已被他人更新，请刷新后重试 (changed by someone else)"
        ) from exc
    except LifecycleError as exc:
        raise HTTPException(status_code=409, detail=exc.message) from exc


@router.post("/posts/{post_id}/verdict")
def verdict_form(
    request: Request,
    post_id: str,
    session: Annotated[Session, Depends(page_session)],
    kind: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
    version: Annotated[int | None, Form()] = None,
    next: Annotated[str, Form(max_length=10)] = "post",
) -> Response:
    check_csrf(session, csrf)
    give_verdict(request, session, post_id, kind, note, version)
    if next == "queue":
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(f"/posts/{post_id}", status_code=303)
