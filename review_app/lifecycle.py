"""The clue lifecycle as the app operates it: verdicts, claims, notes, police feedback.

Pages and the JSON API call these functions alike; each checks what the
store cannot know (who holds a claim, which roles may override it) and turns
store errors into HTTP answers that say what is wrong. The store appends the
audit events.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError

from cluewatch.errors import ConflictError, LifecycleError, NotFound
from cluewatch.taxonomy import CATEGORIES
from index.base import Store, describe_validation_error
from index.models import VERDICT_STATE, AuditEvent, Feedback, ScoredPost, Verdict
from review_app.auth import CLAIM_ROLES, SUPERVISOR_ROLES, Session

MAX_BULK = 200


class BulkOutcome(BaseModel):
    post_id: str
    ok: bool
    state: str | None = None
    error: str | None = None


@contextmanager
def store_errors() -> Iterator[None]:
    """Store errors as HTTP answers: 404 unknown post, 409 conflict or closed step, 422 bad input."""
    try:
        yield
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=f"帖子不存在 (not found): {exc}") from exc
    except ConflictError as exc:
        raise HTTPException(
            status_code=409, detail=f"该线索已被他人更新，请刷新后重试 ({exc})"
        ) from exc
    except LifecycleError as exc:
        raise HTTPException(status_code=409, detail=f"当前状态不允许此操作 ({exc})") from exc
    except ValidationError as exc:
        raise HTTPException(status_code=422, detail=describe_validation_error(exc)) from exc
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


def load_post(store: Store, post_id: str) -> ScoredPost:
    with store_errors():
        return store.get(post_id)


def may_judge(session: Session, sp: ScoredPost) -> bool:
    """A post claimed by someone else is theirs to judge, unless a supervisor steps in."""
    return (
        not sp.assignee
        or sp.assignee == session.user.username
        or session.user.role in SUPERVISOR_ROLES
    )


def give_verdict(
    store: Store, session: Session, post_id: str, kind: str, note: str, version: int | None
) -> ScoredPost:
    """Record a verdict. One that matches the clue's state already changes nothing and
    records nothing (the unchanged clue is returned); its note, if any, is added as a note."""
    with store_errors():
        sp = store.get(post_id)
        if not may_judge(session, sp):
            raise HTTPException(
                status_code=409,
                detail=f"该帖子已由 {sp.assignee} 认领，不能研判 (claimed by {sp.assignee})",
            )
        verdict = Verdict.model_validate(  # kind: confirm | dismiss | escalate | needs_info
            {
                "post_id": post_id,
                "kind": kind,
                "analyst": session.user.username,
                "note": note,
                "categories": [sp.scores.label] if sp.scores.label in CATEGORIES else [],
            }
        )
        if VERDICT_STATE[verdict.kind] is sp.state:
            # The clue is already where this verdict would put it (a second click, two
            # analysts agreeing): no verdict and no state event; a note is kept as a note.
            if note.strip():
                store.add_note(post_id, session.user.username, note)
                return store.get(post_id)
            return sp
        return store.record_verdict(verdict, expected_version=version)


def bulk_verdicts(
    store: Store, session: Session, post_ids: Sequence[str], kind: str, note: str
) -> list[BulkOutcome]:
    """One verdict on many posts; each post succeeds or fails on its own."""
    unique = list(dict.fromkeys(post_ids))
    if not unique:
        raise HTTPException(status_code=422, detail="未选择帖子 (no posts selected)")
    if len(unique) > MAX_BULK:
        raise HTTPException(
            status_code=422, detail=f"一次最多 {MAX_BULK} 条 (at most {MAX_BULK} posts)"
        )
    outcomes = []
    for post_id in unique:
        try:
            sp = give_verdict(store, session, post_id, kind, note, None)
            outcomes.append(BulkOutcome(post_id=post_id, ok=True, state=sp.state.value))
        except HTTPException as exc:
            if exc.status_code == 422:  # the verdict itself is malformed: same for every post
                raise
            outcomes.append(BulkOutcome(post_id=post_id, ok=False, error=str(exc.detail)))
    return outcomes


def claim(store: Store, session: Session, post_id: str, version: int | None) -> ScoredPost:
    me = session.user.username
    with store_errors():
        sp = store.get(post_id)
        if sp.assignee and sp.assignee != me:
            raise HTTPException(
                status_code=409, detail=f"已由 {sp.assignee} 认领 (claimed by {sp.assignee})"
            )
        return store.assign(post_id, me, by=me, expected_version=version)


def release(store: Store, session: Session, post_id: str) -> ScoredPost:
    me = session.user.username
    supervisor = session.user.role in SUPERVISOR_ROLES
    with store_errors():
        sp = store.get(post_id)
        if sp.assignee and sp.assignee != me and not supervisor:
            raise HTTPException(
                status_code=409,
                detail=f"只能释放自己认领的帖子，此帖由 {sp.assignee} 认领",
            )
        return store.assign(post_id, None, by=me, force=supervisor)


def assign(store: Store, session: Session, post_id: str, assignee: str) -> ScoredPost:
    """A supervisor hands a post to an analyst (or takes it back from one)."""
    user = store.get_user(assignee)
    if user is None or user.disabled or user.role not in CLAIM_ROLES:
        raise HTTPException(
            status_code=422,
            detail=f"assignee: 没有可指派的研判员 {assignee!r} (no active analyst or supervisor)",
        )
    with store_errors():
        return store.assign(post_id, assignee, by=session.user.username, force=True)


def add_note(store: Store, session: Session, post_id: str, text: str) -> AuditEvent:
    if not text.strip():
        raise HTTPException(status_code=422, detail="note: 备注不能为空 (a note needs text)")
    with store_errors():
        return store.add_note(post_id, session.user.username, text)


def record_feedback(
    store: Store, session: Session, post_id: str, outcome: str, reference: str, note: str
) -> ScoredPost:
    with store_errors():
        feedback = Feedback.model_validate(  # outcome: received | case_opened | no_case
            {
                "post_id": post_id,
                "outcome": outcome,
                "reference": reference.strip(),
                "note": note,
                "recorded_by": session.user.username,
            }
        )
        return store.record_feedback(feedback)
