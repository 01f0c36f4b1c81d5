"""The review app factory: `create_app(settings)` builds the app with its services."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from cluewatch.settings import Settings
from cluewatch.wiring import open_store
from index.base import Store
from review_app.access import NAV_PAGES
from review_app.auth import ROLE_NAMES_ZH, LoginThrottle, Sessions
from review_app.deps import LoginRequired, Services
from review_app.lexicon_live import LiveLexicon
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
    app = FastAPI(
        title="cluewatch 线索研判",
        description="Review queue, post detail and verdicts for cluewatch analysts.",
        version="0.1.0",
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

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return HTMLResponse(
            templates.get_template("error.html").render(status=exc.status_code, detail=exc.detail),
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail}, status_code=422)
        return HTMLResponse(
            templates.get_template("error.html").render(status=422, detail=detail),
            status_code=422,
        )

    return app
