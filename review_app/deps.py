"""Request dependencies: the app's services, the current session, role and CSRF checks."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Header, HTTPException, Request
from fastapi.templating import Jinja2Templates

from cluewatch.settings import Settings
from index.base import Store
from review_app.auth import ROLE_NAMES_ZH, ROLES, LoginThrottle, Session, Sessions

SESSION_COOKIE = "cw_session"


@dataclass
class Services:
    settings: Settings
    store: Store
    sessions: Sessions
    throttle: LoginThrottle
    templates: Jinja2Templates


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


class LoginRequired(Exception):
    """Raised for pages (not the API) when no valid session exists; handled by a redirect."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def page_session(request: Request) -> Session:
    session = services(request).sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired(request.url.path)
    return session


def api_session(request: Request) -> Session:
    session = services(request).sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise HTTPException(status_code=401, detail="未登录或会话已过期 (login required)")
    return session


def check_csrf(session: Session, token: str | None) -> None:
    if not token or not hmac.compare_digest(token, session.csrf):
        raise HTTPException(
            status_code=403, detail="CSRF 校验失败，请刷新页面后重试 (invalid CSRF token)"
        )


def require_role(session: Session, roles: frozenset[str]) -> None:
    if session.user.role not in roles:
        allowed = "、".join(ROLE_NAMES_ZH.get(r, r) for r in sorted(roles))
        raise HTTPException(
            status_code=403,
            detail=f"无权执行此操作：仅限{allowed} ({session.user.username} is {session.user.role}: "
            f"only {', '.join(sorted(roles))} may do this)",
        )


def safe_next(path: str | None) -> str:
    """Only same-site relative paths: no scheme, no host, no '//' or backslash tricks, and no
    whitespace or control characters (browsers drop tabs and newlines, so '/<TAB>/evil' is '//evil')."""
    if (
        not path
        or not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in path)
    ):
        return "/"
    return path


ALL_ROLES = frozenset(ROLES)


class Access:
    """Dependency: the current session, refused unless its role is in `roles`.

    `page=True` sends a visitor without a session to the login page (pages);
    otherwise 401 (API). `change=True` also demands the session's CSRF token,
    from the `X-CSRF-Token` header (API) or the `csrf` form field (pages).
    The check runs before the request's body is validated, so a forged or
    unauthorised request learns nothing from validation errors. Tests find the
    roles of every state-changing route through `roles`.
    """

    def __new__(cls, roles: frozenset[str], *, page: bool = False, change: bool = False) -> Access:
        # A change's dependency declares the CSRF header, so OpenAPI describes it.
        return super().__new__(_ChangeAccess if change and cls is Access else cls)

    def __init__(self, roles: frozenset[str], *, page: bool = False, change: bool = False) -> None:
        self.roles = roles
        self.page = page
        self.change = change

    async def __call__(self, request: Request) -> Session:
        return await self._check(request)

    async def _check(self, request: Request) -> Session:
        session = page_session(request) if self.page else api_session(request)
        if self.change:
            check_csrf(session, await _csrf_token(request))
        require_role(session, self.roles)
        return session


class _ChangeAccess(Access):
    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        x_csrf_token: Annotated[
            str | None,
            Header(description="The session's CSRF token (GET /api/me); pages send a form field."),
        ] = None,
    ) -> Session:
        return await self._check(request)


async def _csrf_token(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf")
        return value if isinstance(value, str) else None
    return None
