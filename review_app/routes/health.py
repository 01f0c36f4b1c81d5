"""Health check for load balancers and compose."""

from __future__ import annotations

from fastapi import APIRouter, Request

from review_app.deps import services

router = APIRouter()


@router.get("/healthz")
def healthz(request: Request) -> dict[str, object]:
    store = services(request).store
    return {"status": "ok", "schema_version": store.schema_version}
