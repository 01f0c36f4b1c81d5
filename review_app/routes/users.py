"""Users (admins only): list, add, disable or enable, reset a password.

The same functions as `cluewatch user add|disable|passwd`; every change is an
audit event. An admin cannot disable their own account (no lock-out by mistake).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from cluewatch.errors import AuthError, ConflictError, NotFound
from index.base import User
from review_app.access import render
from review_app.auth import (
    ROLES,
    USER_ADMIN_ROLES,
    Session,
    add_user,
    set_disabled,
    set_password,
)
from review_app.deps import Access, services
from review_app.messages import error_zh, validation_zh

router = APIRouter()


class UserOut(BaseModel):
    username: str
    role: str
    disabled: bool


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    role: str = Field(description="analyst | supervisor | liaison | admin")
    password: str = Field(min_length=1, max_length=256)


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=256)


def list_users(request: Request) -> list[UserOut]:
    return [_out(user) for user in services(request).store.users()]


def _out(user: User) -> UserOut:
    return UserOut(username=user.username, role=user.role, disabled=user.disabled)


def create(request: Request, session: Session, body: UserIn) -> UserOut:
    store = services(request).store
    try:
        user = add_user(store, body.username, body.password, body.role, by=session.user.username)
    except AuthError as exc:
        raise HTTPException(status_code=400, detail=error_zh(exc)) from exc
    except ConflictError as exc:
        raise HTTPException(status_code=409, detail=f"用户「{body.username}」已存在") from exc
    return _out(user)


def disable(request: Request, session: Session, username: str, disabled: bool) -> UserOut:
    if disabled and username == session.user.username:
        raise HTTPException(status_code=400, detail="不能停用自己的账号 (cannot disable yourself)")
    try:
        user = set_disabled(services(request).store, username, disabled, by=session.user.username)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_zh(exc)) from exc
    return _out(user)


def password(request: Request, session: Session, username: str, new: str) -> UserOut:
    try:
        user = set_password(services(request).store, username, new, by=session.user.username)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_zh(exc)) from exc
    except AuthError as exc:
        raise HTTPException(status_code=400, detail=error_zh(exc)) from exc
    return _out(user)


def _page(
    request: Request,
    session: Session,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "users.html",
        session,
        {
            "users": list_users(request),
            "roles": ROLES,
            "message": message,
            "error": error,
        },
        status_code=status_code,
    )


DONE_ZH = {"add": "已新增用户", "disable": "已停用", "enable": "已启用", "password": "已重置密码"}

AdminPage = Annotated[Session, Depends(Access(USER_ADMIN_ROLES, page=True))]
AdminApi = Annotated[Session, Depends(Access(USER_ADMIN_ROLES))]
AdminPageChange = Annotated[Session, Depends(Access(USER_ADMIN_ROLES, page=True, change=True))]
AdminApiChange = Annotated[Session, Depends(Access(USER_ADMIN_ROLES, change=True))]


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: AdminPage, done: str = "", user: str = "") -> Response:
    message = f"{DONE_ZH[done]}：{user}" if done in DONE_ZH and user else None
    return _page(request, session, message=message)


def _form_result(
    request: Request, session: Session, action: str, username: str, run: Callable[[], object]
) -> Response:
    """Run a change from a form: back to the list with a message, or the page with the error."""
    try:
        run()
    except HTTPException as exc:
        return _page(request, session, error=str(exc.detail), status_code=exc.status_code)
    return RedirectResponse(f"/users?done={action}&user={quote(username)}", status_code=303)


@router.post("/users")
def add_form(
    request: Request,
    session: AdminPageChange,
    username: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    new_password: Annotated[str, Form(alias="password", max_length=256)] = "",
) -> Response:
    # Empty fields are answered on the page, above the kept list, in Chinese.
    try:
        body = UserIn(username=username.strip(), role=role, password=new_password)
    except ValidationError as exc:
        return _page(request, session, error=validation_zh(exc.errors()), status_code=400)
    return _form_result(
        request, session, "add", body.username, lambda: create(request, session, body)
    )


@router.post("/users/{username}/disable")
def disable_form(request: Request, username: str, session: AdminPageChange) -> Response:
    return _form_result(
        request, session, "disable", username, lambda: disable(request, session, username, True)
    )


@router.post("/users/{username}/enable")
def enable_form(request: Request, username: str, session: AdminPageChange) -> Response:
    return _form_result(
        request, session, "enable", username, lambda: disable(request, session, username, False)
    )


@router.post("/users/{username}/password")
def password_form(
    request: Request,
    username: str,
    session: AdminPageChange,
    new_password: Annotated[str, Form(alias="password", max_length=256)] = "",
) -> Response:
    return _form_result(
        request,
        session,
        "password",
        username,
        lambda: password(request, session, username, new_password),
    )


@router.get("/api/users", tags=["api"])
def users_api(request: Request, session: AdminApi) -> list[UserOut]:
    """Every user with role and whether disabled (never a password hash)."""
    return list_users(request)


@router.post("/api/users", tags=["api"])
def add_api(
    request: Request,
    body: UserIn,
    session: AdminApiChange,
) -> UserOut:
    """Create a user (password at least 10 characters); 409 when the name is taken."""
    return create(request, session, body)


@router.post("/api/users/{username}/disable", tags=["api"])
def disable_api(
    request: Request,
    username: str,
    session: AdminApiChange,
) -> UserOut:
    """Disable a user; their sessions end."""
    return disable(request, session, username, True)


@router.post("/api/users/{username}/enable", tags=["api"])
def enable_api(
    request: Request,
    username: str,
    session: AdminApiChange,
) -> UserOut:
    return disable(request, session, username, False)


@router.post("/api/users/{username}/password", tags=["api"])
def password_api(
    request: Request,
    username: str,
    body: PasswordIn,
    session: AdminApiChange,
) -> UserOut:
    """Reset a user's password."""
    return password(request, session, username, body.password)
