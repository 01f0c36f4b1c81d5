"""Crawl runs: per site the last run (pages, errors by kind, new and flagged posts,
status), and one site's history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cluewatch.taxonomy import CATEGORY_NAMES_ZH
from index.models import CrawlRun
from review_app.access import render
from review_app.auth import RUNS_ROLES, Session
from review_app.deps import Access, services
from review_app.labels import CRAWL_STATUS_NAMES_ZH

router = APIRouter()
# Sites are found among this many newest runs: a site silent for longer drops off the page.
RECENT_RUNS = 2_000
HISTORY = 100
ERROR_NAMES_ZH = {
    "timeout": "超时",
    "too_large": "页面过大",
    "dns": "域名解析失败",
    "connection": "连接失败",
    "bad_json": "JSON 无法解析",
    "api_fields": "接口字段缺失",
    "invalid_post": "帖子无效",
    "rejected_post": "入库被拒",
    "spider": "爬虫异常",
    "pages_not_text": "非文本页面",
}


def error_name(kind: str) -> str:
    """An error kind of `crawler.pipelines.index.run_errors`, for operators."""
    if kind.startswith("http_"):
        return f"HTTP {kind.removeprefix('http_')}"
    if kind.startswith("retried_"):
        return f"重试（{error_name(kind.removeprefix('retried_'))}）"
    return ERROR_NAMES_ZH.get(kind, kind)


def latest_per_site(request: Request) -> list[CrawlRun]:
    """Each site's newest run, sites by name."""
    latest: dict[str, CrawlRun] = {}
    for run in services(request).store.crawl_runs(limit=RECENT_RUNS):
        latest.setdefault(run.site, run)
    return [latest[site] for site in sorted(latest)]


def history(request: Request, site: str) -> list[CrawlRun]:
    return services(request).store.crawl_runs(site=site, limit=HISTORY)


LABELS = {
    "status_names": CRAWL_STATUS_NAMES_ZH,
    "error_name": error_name,
    "category_names": CATEGORY_NAMES_ZH,
}


@router.get("/runs", response_class=HTMLResponse)
def runs_page(
    request: Request,
    session: Annotated[Session, Depends(Access(RUNS_ROLES, page=True))],
    site: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    runs = history(request, site) if site else latest_per_site(request)
    return render(request, "runs.html", session, {"site": site, "runs": runs, **LABELS})


@router.get("/api/runs", tags=["api"])
def runs_api(
    request: Request, session: Annotated[Session, Depends(Access(RUNS_ROLES))]
) -> list[CrawlRun]:
    """Each site's newest crawl run."""
    return latest_per_site(request)


@router.get("/api/runs/{site}", tags=["api"])
def site_runs_api(
    request: Request, site: str, session: Annotated[Session, Depends(Access(RUNS_ROLES))]
) -> list[CrawlRun]:
    """One site's crawl runs, newest first (at most 100)."""
    return history(request, site)
