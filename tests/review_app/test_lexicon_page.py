"""The lexicon page and API: terms with hits and precision, add, disable, test a text,
audit events, roles and CSRF."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.models import Match, Verdict, VerdictKind
from tests.factories import make_post
from tests.review_app.pages import Env, open_env, roles_allowed


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return open_env(tmp_path)


def _surrogacy_match(text: str) -> Match:
    start = len("测试帖子") + 1 + text.index("代孕")
    return Match(
        term="代孕", category="surrogacy", weight="strong", surface="代孕", start=start,
        end=start + 2,
    )  # fmt: skip


def test_terms_show_hits_and_precision_from_verdicts(env: Env) -> None:
    text = "代孕 包成功 加微信 fake_wx_001"
    posts = [make_post(n, text=text, matches=[_surrogacy_match(text)]) for n in (1, 2, 3)]
    env.store.write_posts(posts)
    kinds = (VerdictKind.CONFIRM, VerdictKind.CONFIRM, VerdictKind.DISMISS)
    for sp, kind in zip(posts, kinds, strict=True):
        env.store.record_verdict(Verdict(post_id=sp.post.id, kind=kind, analyst="alice"))
    env.login("sam")
    terms = {(t["category"], t["term"]): t for t in env.client.get("/api/lexicon").json()["terms"]}
    row = terms[("surrogacy", "代孕")]
    assert (row["posts"], row["confirmed"], row["dismissed"]) == (3, 2, 1)
    assert row["precision"] == pytest.approx(2 / 3)
    assert terms[("illegal_adoption", "送养")]["posts"] == 0
    assert terms[("illegal_adoption", "送养")]["precision"] is None
    page = env.client.get("/lexicon?category=surrogacy&q=代孕").text
    assert "67%" in page and "送养" not in page.split('id="terms"')[1]


def test_supervisor_adds_a_term_the_app_sees_at_once_and_it_is_audited(env: Env) -> None:
    env.login("sam")
    before = env.api_post("/api/lexicon/test", {"text": "有暗号娃 私聊"}).json()
    assert before["matches"] == []
    token = env.page_token("/lexicon")
    added = env.client.post(
        "/lexicon/terms",
        data={
            "csrf": token, "term": "暗号宝宝", "category": "illegal_adoption",
            "weight": "medium", "note": "测试用的暗语", "variants": "暗号娃，an hao wa",
        },
    )  # fmt: skip
    assert added.status_code == 200 and "暗号宝宝" in added.text
    after = env.api_post("/api/lexicon/test", {"text": "有暗号娃 私聊"}).json()
    assert [(m["term"], m["surface"]) for m in after["matches"]] == [("暗号宝宝", "暗号娃")]
    terms = {(t["category"], t["term"]): t for t in env.client.get("/api/lexicon").json()["terms"]}
    assert terms[("illegal_adoption", "暗号宝宝")]["variants"] == ["暗号娃", "an hao wa"]
    assert after["lexicon_version"] != before["lexicon_version"]
    overlay = env.settings.lexicon_dir / "illegal_adoption.yaml"
    assert "暗号宝宝" in overlay.read_text(encoding="utf-8")
    event = env.store.audit_events(action="lexicon.add")[0]
    assert event.actor == "sam" and event.after["term"] == "暗号宝宝"
    assert event.after["lexicon_version"] == after["lexicon_version"]


def test_supervisor_disables_a_term(env: Env) -> None:
    env.login("sam")
    assert any(
        m["term"] == "代孕"
        for m in env.api_post("/api/lexicon/test", {"text": "专业代孕"}).json()["matches"]
    )
    token = env.page_token("/lexicon")
    response = env.client.post(
        "/lexicon/terms/disable", data={"csrf": token, "term": "代孕", "category": "surrogacy"}
    )
    assert response.status_code == 200
    row = response.text.split("代孕</span>")[1].split("</tr>")[0]
    assert "已停用" in row and "运营方" in row
    result = env.api_post("/api/lexicon/test", {"text": "专业代孕"}).json()
    assert not any(m["term"] == "代孕" for m in result["matches"])
    event = env.store.audit_events(action="lexicon.disable")[0]
    assert (event.actor, event.after["term"], event.after["category"]) == (
        "sam",
        "代孕",
        "surrogacy",
    )
    terms = {(t["category"], t["term"]): t for t in env.client.get("/api/lexicon").json()["terms"]}
    assert terms[("surrogacy", "代孕")]["disabled"] is True


def test_bad_term_is_refused_with_the_reason_and_nothing_changes(env: Env) -> None:
    env.login("sam")
    weak = env.api_post(
        "/api/lexicon/terms",
        {"term": "弱词", "category": "illegal_adoption", "weight": "weak", "note": "x"},
    )
    assert weak.status_code == 400 and "requires" in weak.json()["detail"]
    unknown = env.api_post(
        "/api/lexicon/terms", {"term": "词条", "category": "nope", "weight": "strong", "note": "x"}
    )
    assert unknown.status_code == 400 and "类别（category）没有「nope」" in unknown.json()["detail"]
    missing = env.api_post("/api/lexicon/terms/disable", {"term": "没有这个词"})
    assert missing.status_code == 404 and "没有词条「没有这个词」" in missing.json()["detail"]
    token = env.page_token("/lexicon")
    page = env.client.post(
        "/lexicon/terms",
        data={"csrf": token, "term": "弱词", "category": "illegal_adoption", "weight": "weak",
              "note": "x"},
    )  # fmt: skip
    assert page.status_code == 400 and 'id="lexicon-error"' in page.text
    assert not (env.settings.lexicon_dir / "illegal_adoption.yaml").exists()
    assert env.store.audit_events(action="lexicon.add") == []


def _tested(env: Env, text: str) -> str:
    """The lexicon page after an analyst tests `text` on it."""
    env.login("alice")
    token = env.page_token("/lexicon")
    return env.client.post("/lexicon/test", data={"csrf": token, "text": text}).text


def test_test_text_highlights_matches_entities_and_ignored_matches_escaped(env: Env) -> None:
    text = "<b>代孕</b> 加微信 fake_wx_001；领养代替购买，送养"
    page = _tested(env, text)
    shown = page.split('id="test-text">')[1].split("</div>")[0]
    assert "&lt;b&gt;" in shown and "<b>" not in shown
    assert '<mark class="match w-strong"' in shown and ">代孕</mark>" in shown
    assert '<mark class="entity e-wechat"' in shown
    ignored = page.split('id="test-ignored">')[1].split("</ul>")[0]
    assert "送养" in ignored and "附近有排除词「领养代替购买」" in ignored
    result = env.api_post("/api/lexicon/test", {"text": text}).json()
    ignored_rows = {(m["term"], m["reason"], m["detail"]) for m in result["suppressed"]}
    assert ("送养", "unless", "领养代替购买") in ignored_rows
    assert result["entities"][0]["value"] == "fake_wx_001"
    assert result["notice"] == []
    assert 'id="test-notice">\n      <li>无</li>' in page


def test_test_text_lists_the_notice_words_that_lower_a_post(env: Env) -> None:
    text = "家长群转发：网上“男宝找有缘人 营养费私聊”的帖子是拐卖儿童，切勿轻信"
    page = _tested(env, text)
    notice = page.split('id="test-notice">')[1].split("</div>")[0]
    assert "<li>拐卖</li>" in notice and "<li>切勿</li>" in notice and "模型分数会下调" in notice
    assert env.api_post("/api/lexicon/test", {"text": text}).json()["notice"] == [
        "拐卖",
        "切勿",
        "轻信",
    ]


def test_analysts_may_look_and_test_but_only_supervisors_change(env: Env) -> None:
    assert roles_allowed(env, "GET", "/lexicon") == {"analyst", "supervisor"}
    assert roles_allowed(env, "GET", "/api/lexicon") == {"analyst", "supervisor"}
    body = {"term": "暗号宝宝", "category": "illegal_adoption", "weight": "medium", "note": "x"}
    assert roles_allowed(env, "POST", "/api/lexicon/terms", json=body) == {"supervisor"}
    env.login("alice")
    page = env.client.get("/lexicon").text
    assert 'id="add-form"' not in page and "/lexicon/terms/disable" not in page
    token = env.page_token("/lexicon")
    denied = env.client.post("/lexicon/terms/disable", data={"csrf": token, "term": "代孕"})
    assert denied.status_code == 403


def test_changes_need_the_csrf_token(env: Env) -> None:
    env.login("sam")
    body = {"term": "暗号宝宝", "category": "illegal_adoption", "weight": "medium", "note": "x"}
    assert env.api_post("/api/lexicon/terms", body, csrf=False).status_code == 403
    assert (
        env.api_post("/api/lexicon/terms/disable", {"term": "代孕"}, csrf=False).status_code == 403
    )
    form = env.client.post("/lexicon/terms/disable", data={"term": "代孕", "csrf": "forged"})
    assert form.status_code == 403
    assert not env.settings.lexicon_dir.exists()
