"""Clue bundles for police: list, prepare (liaison), approve or reject (a supervisor
other than the preparer), download (only when approved); pages and /api/bundles.

Every rule is checked by `review_app.bundles.service.Bundles`, shared with the
command line; here its errors become HTTP statuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from pydantic import BaseModel, Field

from cluewatch.errors import (
    BundleError,
    CluewatchError,
    ConflictError,
    EvidenceError,
    NotFound,
    RoleError,
    TimestampError,
    TwoPersonRuleError,
)
from cluewatch.taxonomy import CATEGORIES, CATEGORY_NAMES_ZH
from index.models import ExportRecord, QueueFilter
from review_app.auth import (
    BUNDLE_APPROVE_ROLES,
    BUNDLE_DOWNLOAD_ROLES,
    BUNDLE_PREPARE_ROLES,
    Session,
)
from review_app.bundles.service import (
    STATUS_NAMES_ZH,
    BundleFileError,
    BundleInputError,
    Bundles,
    filter_from_fields,
)
from review_app.deps import Access, api_session, page_session, services
from review_app.labels import STATE_NAMES_ZH
from review_app.messages import error_zh

router = APIRouter()
T = TypeVar("T")
SHOWN_CLUES = 200
CHUNK = 1 << 16


def _bundles(request: Request) -> Bundles:
    svc = services(request)
    return Bundles(store=svc.store, settings=svc.settings)


def _http(call: Callable[[], T]) -> T:
    """Run a bundle step; its errors as HTTP statuses with the Chinese message: 403 role or
    two-person rule, 404 unknown bundle or clue, 422 unusable selection or filter, 409 a
    state that forbids the step or a concurrent change, 502 no time stamp, 500 otherwise."""
    try:
        return call()
    except (RoleError, TwoPersonRuleError) as exc:
        raise HTTPException(status_code=403, detail=error_zh(exc)) from exc
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_zh(exc)) from exc
    except BundleInputError as exc:
        raise HTTPException(status_code=422, detail=error_zh(exc)) from exc
    except BundleFileError as exc:
        raise HTTPException(status_code=500, detail=error_zh(exc)) from exc
    except (ConflictError, BundleError) as exc:
        raise HTTPException(status_code=409, detail=error_zh(exc)) from exc
    except TimestampError as exc:
        detail = f"时间戳服务没有返回有效的时间戳，移交包未审批，请稍后重试：{exc}"
        raise HTTPException(status_code=502, detail=detail) from exc
    except EvidenceError as exc:
        detail = f"证据文件缺失或已被改动，移交包未能生成，请联系管理员：{exc}"
        raise HTTPException(status_code=500, detail=detail) from exc
    except CluewatchError as exc:
        raise HTTPException(status_code=500, detail=f"移交包操作失败：{exc}") from exc


def _zip(request: Request, session: Session, record: ExportRecord, path: Path) -> Response:
    """The bundle's file, streamed; the download is counted and audited once every byte
    has been handed to the server, so a download cut off on the way is not recorded
    (and should recording fail, the response is broken off rather than ended cleanly)."""
    bundles = _bundles(request)

    def body() -> Iterator[bytes]:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
        bundles.record_download(record.id, by=session.user)

    return StreamingResponse(
        body(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{record.id}.zip"',
            "Content-Length": str(path.stat().st_size),
            "X-Bundle-SHA256": record.sha256 or "",
        },
    )


# -- pages ---------------------------------------------------------------------------


@router.get("/bundles", response_class=HTMLResponse)
def bundles_page(request: Request, session: Annotated[Session, Depends(page_session)]) -> Response:
    return _bundles_page(request, session)


def _bundles_page(
    request: Request,
    session: Session,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The list and (for liaisons) the prepare form, with `error` above the form as sent."""
    records = _http(lambda: _bundles(request).list(by=session.user))
    return services(request).templates.TemplateResponse(
        request,
        "bundles.html",
        {
            "session": session,
            "records": records,
            "status_names": STATUS_NAMES_ZH,
            "categories": CATEGORIES,
            "category_names": CATEGORY_NAMES_ZH,
            "can_prepare": session.user.role in BUNDLE_PREPARE_ROLES,
            "error": error,
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("/bundles/{bundle_id}", response_class=HTMLResponse)
def bundle_page(
    request: Request, bundle_id: str, session: Annotated[Session, Depends(page_session)]
) -> Response:
    svc = services(request)
    record = _http(lambda: _bundles(request).get(bundle_id, by=session.user))
    user = session.user
    return svc.templates.TemplateResponse(
        request,
        "bundle.html",
        {
            "session": session,
            "record": record,
            "clues": svc.store.get_many(record.post_ids[:SHOWN_CLUES]),
            "more": max(0, len(record.post_ids) - SHOWN_CLUES),
            "status_names": STATUS_NAMES_ZH,
            "state_names": STATE_NAMES_ZH,
            "category_names": CATEGORY_NAMES_ZH,
            "can_approve": record.status == "prepared"
            and user.role in BUNDLE_APPROVE_ROLES
            and user.username != record.created_by,
            "can_download": record.status in ("approved", "downloaded")
            and user.role in BUNDLE_DOWNLOAD_ROLES,
        },
    )


@router.post("/bundles")
def prepare_form(
    request: Request,
    session: Annotated[Session, Depends(Access(BUNDLE_PREPARE_ROLES, page=True, change=True))],
    clues: Annotated[str, Form(max_length=200_000)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    site: Annotated[str, Form(max_length=100)] = "",
    since: Annotated[str, Form(max_length=40)] = "",
    until: Annotated[str, Form(max_length=40)] = "",
    min_score: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2_000)] = "",
) -> Response:
    ids = [c for c in clues.replace(",", " ").replace("，", " ").split() if c]
    fields = {"category": category, "site": site, "since": since, "until": until,
              "min-score": min_score}  # fmt: skip
    try:
        record = _http(
            lambda: _bundles(request).prepare(
                by=session.user,
                post_ids=ids,
                flt=None if ids or not any(fields.values()) else filter_from_fields(fields),
                note=note,
            )
        )
    except HTTPException as exc:
        form = {"clues": clues, "category": category, "site": site, "since": since,
                "until": until, "min_score": min_score, "note": note}  # fmt: skip
        return _bundles_page(
            request, session, error=str(exc.detail), form=form, status_code=exc.status_code
        )
    return RedirectResponse(f"/bundles/{record.id}", status_code=303)


@router.post("/bundles/{bundle_id}/approve")
def approve_form(
    request: Request,
    bundle_id: str,
    session: Annotated[Session, Depends(Access(BUNDLE_APPROVE_ROLES, page=True, change=True))],
    version: Annotated[int | None, Form()] = None,
) -> Response:
    _http(lambda: _bundles(request).approve(bundle_id, by=session.user, expected_version=version))
    return RedirectResponse(f"/bundles/{bundle_id}", status_code=303)


@router.post("/bundles/{bundle_id}/reject")
def reject_form(
    request: Request,
    bundle_id: str,
    session: Annotated[Session, Depends(Access(BUNDLE_APPROVE_ROLES, page=True, change=True))],
    reason: Annotated[str, Form(max_length=2_000)] = "",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    _http(
        lambda: _bundles(request).reject(
            bundle_id, by=session.user, reason=reason, expected_version=version
        )
    )
    return RedirectResponse(f"/bundles/{bundle_id}", status_code=303)


@router.post("/bundles/{bundle_id}/download")
def download_form(
    request: Request,
    bundle_id: str,
    session: Annotated[Session, Depends(Access(BUNDLE_DOWNLOAD_ROLES, page=True, change=True))],
) -> Response:
    record, path = _http(lambda: _bundles(request).download(bundle_id, by=session.user))
    return _zip(request, session, record, path)


# -- API -----------------------------------------------------------------------------


class BundleFilterIn(BaseModel):
    category: str | None = None
    site: str | None = None
    min_score: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    since: str | None = Field(default=None, description="ISO date or time; a date is midnight CST.")
    until: str | None = None
    term: str | None = None
    entity: str | None = None


class PrepareIn(BaseModel):
    post_ids: list[str] = Field(default_factory=list, max_length=100_000)
    filter: BundleFilterIn | None = None
    note: str = Field(default="", max_length=2_000)


class ApproveIn(BaseModel):
    version: int | None = Field(
        default=None, description="The bundle version read; 409 if it changed."
    )


class RejectIn(ApproveIn):
    reason: str = Field(min_length=1, max_length=2_000)


def _api_filter(body: PrepareIn) -> QueueFilter | None:
    if body.post_ids or body.filter is None:
        return None
    fields = body.filter.model_dump()
    fields["min-score"] = fields.pop("min_score")
    return filter_from_fields({k: None if v is None else str(v) for k, v in fields.items()})


@router.get("/api/bundles", tags=["api"])
def api_list(
    request: Request, session: Annotated[Session, Depends(api_session)]
) -> list[ExportRecord]:
    return _http(lambda: _bundles(request).list(by=session.user))


@router.get("/api/bundles/{bundle_id}", tags=["api"])
def api_get(
    request: Request, bundle_id: str, session: Annotated[Session, Depends(api_session)]
) -> ExportRecord:
    return _http(lambda: _bundles(request).get(bundle_id, by=session.user))


@router.post("/api/bundles", tags=["api"], status_code=201)
def api_prepare(
    request: Request,
    body: PrepareIn,
    session: Annotated[Session, Depends(Access(BUNDLE_PREPARE_ROLES, change=True))],
) -> ExportRecord:

    def prepare() -> ExportRecord:
        return _bundles(request).prepare(
            by=session.user, post_ids=body.post_ids, flt=_api_filter(body), note=body.note
        )

    return _http(prepare)


@router.post("/api/bundles/{bundle_id}/approve", tags=["api"])
def api_approve(
    request: Request,
    bundle_id: str,
    body: ApproveIn,
    session: Annotated[Session, Depends(Access(BUNDLE_APPROVE_ROLES, change=True))],
) -> ExportRecord:
    return _http(
        lambda: _bundles(request).approve(bundle_id, by=session.user, expected_version=body.version)
    )


@router.post("/api/bundles/{bundle_id}/reject", tags=["api"])
def api_reject(
    request: Request,
    bundle_id: str,
    body: RejectIn,
    session: Annotated[Session, Depends(Access(BUNDLE_APPROVE_ROLES, change=True))],
) -> ExportRecord:
    return _http(
        lambda: _bundles(request).reject(
            bundle_id, by=session.user, reason=body.reason, expected_version=body.version
        )
    )


@router.post("/api/bundles/{bundle_id}/download", tags=["api"], response_class=FileResponse)
def api_download(
    request: Request,
    bundle_id: str,
    session: Annotated[Session, Depends(Access(BUNDLE_DOWNLOAD_ROLES, change=True))],
) -> Response:
    """The approved bundle's ZIP (`X-Bundle-SHA256` its hash); counted and audited once
    the whole file has been sent."""
    record, path = _http(lambda: _bundles(request).download(bundle_id, by=session.user))
    return _zip(request, session, record, path)
