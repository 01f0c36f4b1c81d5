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
    # Why a run failed (`crawler.runs`, `crawler.schedule`), counted beside the errors.
    "interrupted": "被中断",
    "unreachable": "站点无法连接",
    "no_pages": "未抓到任何页面",
    "process_died": "进程意外退出",
    "cancelled": "已取消",
    "signal": "被信号终止",
    "exit_status": "进程异常退出",
    "no_finished_record": "未留下完成记录",
}


# HTTP statuses a crawl meets most, for operators.
HTTP_NAMES_ZH = {
    "400": "请求有误",
    "401": "需要登录",
    "403": "禁止访问",
    "404": "页面不存在",
    "408": "请求超时",
    "410": "页面已删除",
    "429": "请求过多",
    "500": "服务器内部错误",
    "502": "网关错误",
    "503": "服务不可用",
    "504": "网关超时",
}
# Network failures Scrapy retries, by exception class name (`retry/reason_count/...`).
NETWORK_NAMES_ZH = {
    "TimeoutError": "超时",
    "TCPTimedOutError": "连接超时",
    "DNSLookupError": "域名解析失败",
    "ConnectionRefusedError": "连接被拒绝",
    "ConnectError": "连接失败",
    "ConnectionDone": "连接被关闭",
    "ConnectionLost": "连接中断",
    "ResponseNeverReceived": "未收到响应",
    "ResponseFailed": "响应读取失败",
    "TunnelError": "代理隧道失败",
    "IOError": "读写错误",
}


def _http_name(code: str) -> str:
    name = HTTP_NAMES_ZH.get(code)
    return f"HTTP {code} {name}" if name else f"HTTP {code}"


def error_name(kind: str) -> str:
    """An error kind of `crawler.pipelines.index.run_errors`, for operators: `http_404`,
    `retried_500_Internal_Server_Error` (a status and its English reason, which is
    dropped), `retried_TimeoutError` (a network exception's class name)."""
    if kind.startswith("http_"):
        return _http_name(kind.removeprefix("http_"))
    if kind.startswith("retried_"):
        reason = kind.removeprefix("retried_")
        code = reason.split("_", 1)[0]
        if code.isdigit() and len(code) == 3:
            return f"重试（{_http_name(code)}）"
        if reason in NETWORK_NAMES_ZH:
            return f"重试（{NETWORK_NAMES_ZH[reason]}）"
        return f"重试（{ERROR_NAMES_ZH.get(reason, f'网络错误 {reason}')}）"
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
