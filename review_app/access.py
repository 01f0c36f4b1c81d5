"""The header menu by role, and page rendering, for the routes of actors, lexicon,
dashboard, crawl runs and users (their role checks are `review_app.deps.Access`
dependencies, as on every route)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import Response

from review_app.auth import (
    ACTOR_ROLES,
    AUDIT_ROLES,
    BUNDLE_VIEW_ROLES,
    DASHBOARD_ROLES,
    LEXICON_VIEW_ROLES,
    RUNS_ROLES,
    USER_ADMIN_ROLES,
    Session,
)
from review_app.deps import services

# Header links to these pages, shown to the roles that may open them.
NAV_PAGES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/dashboard", "态势", DASHBOARD_ROLES),
    ("/actors", "涉案人员", ACTOR_ROLES),
    ("/bundles", "线索移交", BUNDLE_VIEW_ROLES),
    ("/lexicon", "词库", LEXICON_VIEW_ROLES),
    ("/runs", "抓取记录", RUNS_ROLES),
    ("/audit", "审计日志", AUDIT_ROLES),
    ("/users", "用户", USER_ADMIN_ROLES),
)


def render(
    request: Request,
    template: str,
    session: Session,
    context: Mapping[str, object],
    *,
    status_code: int = 200,
) -> Response:
    """A page of `template` with the session (for the header and CSRF fields) and `context`."""
    return services(request).templates.TemplateResponse(
        request, template, {"session": session, **context}, status_code=status_code
    )
