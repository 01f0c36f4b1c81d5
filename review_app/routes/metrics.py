"""Prometheus metrics, next to the health check.

With `CLUEWATCH_METRICS_TOKEN` set, a scrape must send `Authorization: Bearer
<token>`; unset, the endpoint is open like /healthz (it holds counts and
timings only, never post content or ids).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from review_app.deps import services
from review_app.metrics import Metrics

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    token = services(request).settings.metrics_token
    if token is not None:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token.get_secret_value()}".encode()):
            raise HTTPException(status_code=401, detail="metrics token required")
    registry: Metrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
