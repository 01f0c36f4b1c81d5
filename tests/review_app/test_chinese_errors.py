"""What analysts read when something is wrong is Chinese and names the field; pages and
the API agree on what they accept; /api describes the API; the post page's labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.models import Match
from review_app.routes.runs import error_name
from tests.factories import make_post
from tests.review_app.pages import Env, open_env

ENGLISH = ("Input should", "Field required", "errors.pydantic.dev", "not a date", "Not Found")


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return open_env(tmp_path)


def _chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text) and not any(e in text for e in ENGLISH)


def test_bad_parameters_are_named_in_chinese_on_pages_and_in_the_api(env: Env) -> None:
    env.login("sam")
    for path, said in (
        ("/dashboard?days=abc", "统计天数（days）应为整数，收到「abc」"),
        ("/dashboard?days=5", "统计天数（days）只能是 7、30、90"),
        ("/audit?before=abc", "翻页位置（before）应为整数"),
    ):
        page = env.client.get(path)
        assert page.status_code == 422 and said in page.text and _chinese(page.text), path
        assert page.headers["content-type"].startswith("text/html")
    api = env.client.get("/api/dashboard?days=5")
    assert api.status_code == 422 and "统计天数（days）只能是 7、30、90" in api.json()["detail"]
    assert env.client.get("/dashboard?days=7").status_code == 200

    for query, said in (
        ("since=2026-13-45", "起始日期（since）「2026-13-45」不是有效日期，请用 YYYY-MM-DD"),
        ("min_score=nan", "最低分（min_score）应为 0 到 1 之间的数字，不能是 nan"),
        ("max_score=2", "最高分（max_score）应在 0 到 1 之间"),
        ("state=bogus", "状态（state）没有「bogus」"),
        ("category=bogus", "类别（category）没有「bogus」"),
    ):
        page = env.client.get(f"/?{query}")
        assert page.status_code == 400 and said in page.text and _chinese(page.text), query
        api = env.client.get(f"/api/queue?{query}")
        assert api.status_code == 400 and said in api.json()["detail"], query


def test_a_mangled_cursor_gives_page_one_with_a_notice_and_400_in_the_api(env: Env) -> None:
    env.store.write_posts([make_post(1)])
    env.login("alice")
    page = env.client.get("/?cursor=garbage")
    assert page.status_code == 200 and 'id="queue-notice"' in page.text
    assert "翻页链接已失效" in page.text and "测试帖子" in page.text
    api = env.client.get("/api/queue?cursor=garbage")
    assert api.status_code == 400 and api.json()["detail"].startswith("翻页位置（cursor）无效")


def test_user_administration_errors_are_chinese(env: Env) -> None:
    env.login("root")
    token = env.page_token("/users")
    page = env.client.post("/users", data={"csrf": token, "role": "analyst", "password": "x" * 12})
    assert page.status_code == 400 and 'id="users-error"' in page.text
    assert "用户名（username）不能为空" in page.text and _chinese(page.text)
    assert 'id="users"' in page.text and 'id="add-user"' in page.text  # list and form kept
    for body, said in (
        (
            {"username": "bo b", "role": "analyst", "password": "long-enough-pw"},
            "用户名「bo b」无效",
        ),
        ({"username": "bob", "role": "chief", "password": "long-enough-pw"}, "没有角色「chief」"),
        ({"username": "bob", "role": "analyst", "password": "short"}, "密码太短：至少 10 个字符"),
    ):
        answer = env.api_post("/api/users", body)
        assert answer.status_code == 400 and said in answer.json()["detail"]
    missing = env.api_post("/api/users/nobody/disable", {})
    assert missing.status_code == 404 and "没有用户「nobody」" in missing.json()["detail"]


def test_unknown_pages_get_the_chinese_error_page_and_unknown_api_paths_json(env: Env) -> None:
    page = env.client.get("/nonexistent", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "页面不存在" in page.text
    api = env.client.get("/api/nonexistent")
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"


def test_api_index_lists_resources_and_the_docs_pages_are_off(env: Env) -> None:
    index = env.client.get("/api")
    assert index.status_code == 200 and index.json()["openapi"] == "/openapi.json"
    described = env.client.get("/openapi.json").json()["paths"]
    assert "/api" in described
    for name, path in index.json()["resources"].items():
        assert path in described, name
    for blank in ("/docs", "/redoc"):  # they would load Swagger UI/ReDoc from a CDN
        assert env.client.get(blank).status_code == 404


def test_the_post_page_labels_entities_matches_and_contacts_in_chinese(env: Env) -> None:
    text = "代孕 包成功"
    start = len("测试帖子") + 1
    match = Match(
        term="代孕", category="surrogacy", weight="strong", surface="代孕", start=start,
        end=start + 2,
    )  # fmt: skip
    sp = make_post(1, text=text, matches=[match], contacts={"phone": "13800001234"})
    env.store.write_posts([sp])
    env.login("alice")
    page = env.client.get(f"/posts/{sp.post.id}").text
    assert 'title="代孕 · 非法代孕 · 权重强 · 原词"' in page
    assert 'title="电话：13800001234"' in page
    assert "<li>电话：<a" in page and "phone：" not in page
    assert '<li class="mono">电话 13800001234</li>' in page and "phone:13800001234" not in page


def test_crawl_error_kinds_are_named_in_chinese() -> None:
    assert error_name("retried_500_Internal_Server_Error") == "重试（HTTP 500 服务器内部错误）"
    assert error_name("retried_TimeoutError") == "重试（超时）"
    assert error_name("http_404") == "HTTP 404 页面不存在"
    assert error_name("no_pages") == "未抓到任何页面"
    assert error_name("interrupted") == "被中断"
