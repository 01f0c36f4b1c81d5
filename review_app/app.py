"""The review app factory: `create_app(settings)` builds the app with its services."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from cluewatch.errors import CluewatchError, LexiconDataError
from cluewatch.settings import Settings
from cluewatch.wiring import open_store
from index.base import Store
from review_app.access import NAV_PAGES
from review_app.auth import ROLE_NAMES_ZH, LoginThrottle, Sessions
from review_app.deps import LoginRequired, Services
from review_app.labels import contact_zh, entity_name
from review_app.lexicon_live import LiveLexicon
from review_app.messages import lexicon_broken_zh, status_zh, validation_zh
from review_app.metrics import Metrics, MetricsMiddleware
from review_app.routes import (
    actors,
    api,
    audit,
    auth,
    bundles,
    dashboard,
    health,
    lexicon,
    metrics,
    posts,
    queue,
    runs,
    users,
)

HERE = Path(__file__).resolve().parent

SECURITY_HEADERS = {
    # No inline scripts, no framing, nothing from other origins: crawled text
    # that slipped through escaping still could not run.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    store = store or open_store(settings)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["role_names"] = ROLE_NAMES_ZH
    templates.env.globals["nav_pages"] = NAV_PAGES
    templates.env.globals["entity_name"] = entity_name
    templates.env.globals["contact_zh"] = contact_zh
    app = FastAPI(
        title="cluewatch 线索研判",
        description="Review queue, post detail and verdicts for cluewatch analysts.",
        version="0.1.0",
        # Swagger UI and ReDoc load their scripts from a CDN, which the pages' CSP
        # (script-src 'self') blocks and an offline deployment cannot reach:
        # /openapi.json is the API description (and GET /api lists the resources).
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = Services(
        settings=settings,
        store=store,
        sessions=Sessions(store, hours=settings.session_hours),
        throttle=LoginThrottle(),
        templates=templates,
    )
    app.state.lexicon = LiveLexicon(settings.lexicon_dir)
    app.state.metrics = Metrics(store)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (auth, queue, posts, api, audit, bundles, health):
        app.include_router(module.router)
    for module in (actors, lexicon, dashboard, runs, users, metrics):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={exc.next_path}", status_code=303)

    def error(request: Request, status: int, detail: str) -> Response:
        """JSON under /api, else the Chinese error page."""
        if _is_api(request):
            return JSONResponse({"detail": detail}, status_code=status)
        return HTMLResponse(
            templates.get_template("error.html").render(status=status, detail=detail),
            status_code=status,
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        response = error(request, exc.status_code, status_zh(exc.status_code, exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return error(request, 422, f"请求参数有误：{validation_zh(exc.errors())}")

    @app.exception_handler(LexiconDataError)
    async def _lexicon(request: Request, exc: LexiconDataError) -> Response:
        # A broken overlay file (edited by hand) stops the lexicon, not the app.
        return error(request, 500, lexicon_broken_zh(exc))

    @app.exception_handler(CluewatchError)
    async def _cluewatch(request: Request, exc: CluewatchError) -> Response:
        return error(request, 500, f"服务器出错，请把错误代码告诉管理员：{exc}")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Starlette still logs the traceback; the user gets an answer, not a dropped connection.
        return error(request, 500, "服务器内部错误，请联系管理员查看服务日志 (internal error)")

    return app


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")
