"""The crawl runs page and API: each site's last run, one site's history, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from index.models import CrawlRun
from tests.review_app.helpers import logout
from tests.review_app.pages import Env, open_env, roles_allowed

T0 = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return open_env(tmp_path)


def _runs(env: Env) -> None:
    for day in range(3):
        env.store.save_crawl_run(
            CrawlRun(
                id=f"forum-{day}", site="sandbox-forum", started_at=T0 + timedelta(days=day),
                finished_at=T0 + timedelta(days=day, minutes=12), status="finished",
                pages=100 + day, errors={"http_500": day, "timeout": 1} if day else {},
                new_posts=40 + day, changed_posts=day, flagged_posts=5 + day,
                flagged_by_category={"surrogacy": 5 + day},
            )
        )  # fmt: skip
    env.store.save_crawl_run(
        CrawlRun(id="qa-0", site="sandbox-qa", started_at=T0, status="failed", pages=3,
                 errors={"retried_429_unknown_status": 4})
    )  # fmt: skip


def test_each_site_shows_its_last_run(env: Env) -> None:
    _runs(env)
    env.login("root")
    page = env.client.get("/runs").text
    table = page.split('id="runs"')[1]
    forum = table.split("sandbox-forum</a>")[1].split("</tr>")[0]
    assert "2026-10-03 02:00" in forum and "12.0 分钟" in forum and "已完成" in forum
    assert ">102<" in forum and "HTTP 500 服务器内部错误 2" in forum and "超时 1" in forum
    assert ">42<" in forum and "<b>7</b>" in forum and "非法代孕 7" in forum
    qa = table.split("sandbox-qa</a>")[1].split("</tr>")[0]
    assert "失败" in qa and "重试（HTTP 429 请求过多） 4" in qa
    latest = env.client.get("/api/runs").json()
    assert [(r["site"], r["id"]) for r in latest] == [
        ("sandbox-forum", "forum-2"),
        ("sandbox-qa", "qa-0"),
    ]


def test_site_history_lists_every_run_newest_first(env: Env) -> None:
    _runs(env)
    env.login("alice")
    page = env.client.get("/runs?site=sandbox-forum").text
    assert page.index("2026-10-03") < page.index("2026-10-02") < page.index("2026-10-01")
    assert "sandbox-qa" not in page
    history = env.client.get("/api/runs/sandbox-forum").json()
    assert [r["id"] for r in history] == ["forum-2", "forum-1", "forum-0"]


def test_runs_are_visible_to_every_role(env: Env) -> None:
    assert roles_allowed(env, "GET", "/runs") == {"analyst", "supervisor", "liaison", "admin"}
    logout(env.client)
    assert env.client.get("/api/runs").status_code == 401
