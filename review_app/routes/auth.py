"""Login and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from review_app.auth import CLUE_ROLES, Session, check_password
from review_app.deps import ALL_ROLES, SESSION_COOKIE, Access, safe_next, services

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    svc = services(request)
    return svc.templates.TemplateResponse(
        request, "login.html", {"next": safe_next(next), "error": None, "session": None}
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    svc = services(request)
    address = request.client.host if request.client else "?"
    minutes = round(svc.throttle.window / 60)
    if not username.strip() or not password:
        return _login_page(request, next, "请输入用户名和密码。", 400)
    why = svc.throttle.blocked(username, address)
    if why == "address":
        return _login_page(
            request, next, f"本机地址登录失败次数过多，请 {minutes} 分钟后再试。", 429
        )
    if why == "user":
        return _login_page(request, next, f"该账号密码错误次数过多，请 {minutes} 分钟后再试。", 429)
    user = svc.store.get_user(username)
    if user is None or user.disabled or not check_password(user, password):
        svc.throttle.fail(username, address)
        return _login_page(request, next, "用户名或密码错误。", 401)
    svc.throttle.clear(username, address)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        svc.sessions.end(old)
    session = svc.sessions.create(user)
    target = safe_next(next)
    if target == "/" and user.role not in CLUE_ROLES:
        target = "/dashboard"  # admins have no queue: their start page
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.id,
        httponly=True,
        samesite="strict",
        max_age=int(svc.settings.session_hours * 3600),
        secure=request.url.scheme == "https",
    )
    return response


def _login_page(request: Request, next: str, error: str, status_code: int) -> Response:
    return services(request).templates.TemplateResponse(
        request,
        "login.html",
        {"next": safe_next(next), "error": error, "session": None},
        status_code=status_code,
    )


@router.post("/logout")
def logout(
    request: Request,
    session: Annotated[Session, Depends(Access(ALL_ROLES, page=True, change=True))],
) -> Response:
    services(request).sessions.end(session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
