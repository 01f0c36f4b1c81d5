"""The dashboard page and API: the figures behind each chart, SVG without scripts or
inline styles, escaped labels, roles."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from index.models import Feedback, FeedbackOutcome, Verdict, VerdictKind, utcnow
from tests.factories import make_post
from tests.review_app.helpers import logout
from tests.review_app.pages import Env, open_env, roles_allowed


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return open_env(tmp_path)


def _activity(env: Env) -> None:
    posts = [
        make_post(1, site="forum-a", label="surrogacy", contacts={"wechat": "fake_wx_001"}),
        make_post(2, site="forum-a", label="surrogacy", contacts={"wechat": "fake_wx_001"}),
        make_post(3, site="<b>evil-site</b>", label="illegal_adoption"),
        make_post(4, site="forum-a", score=0.2),
    ]
    env.store.write_posts(posts)
    ids = [sp.post.id for sp in posts]
    env.store.record_verdict(Verdict(post_id=ids[0], kind=VerdictKind.CONFIRM, analyst="alice"))
    env.store.record_verdict(Verdict(post_id=ids[1], kind=VerdictKind.DISMISS, analyst="alice"))
    env.store.record_verdict(Verdict(post_id=ids[2], kind=VerdictKind.CONFIRM, analyst="sam"))
    env.store.mark_transferred([ids[2]], "bundle-1", by="lia")
    env.store.record_feedback(
        Feedback(post_id=ids[2], outcome=FeedbackOutcome.CASE_OPENED, reference="REF-1",
                 recorded_by="lia")
    )  # fmt: skip


def test_dashboard_api_has_every_figure(env: Env) -> None:
    _activity(env)
    env.login("sam")
    data = env.client.get("/api/dashboard?days=7").json()
    agg = data["aggregations"]
    today = utcnow().strftime("%Y-%m-%d")
    assert {(r["key"], r["count"]) for r in agg["flagged_per_day"] if r["day"] == today} == {
        ("surrogacy", 2),
        ("illegal_adoption", 1),
    }
    assert data["queue"]["confirmed"] == 1 and data["queue"]["dismissed"] == 1
    assert data["queue"]["feedback"] == 1 and data["queue"]["unflagged"] == 1
    assert agg["per_site"]["forum-a"] == {"posts": 3, "flagged": 2}
    assert {(r["key"], r["count"]) for r in agg["throughput"]} == {("alice", 2), ("sam", 1)}
    assert agg["verdicts_per_category"]["surrogacy"] == {"confirmed": 1, "dismissed": 1}
    assert agg["feedback"] == {"received": 0, "case_opened": 1, "no_case": 0}
    assert data["top_actors"][0]["contacts"] == ["wechat:fake_wx_001"]
    since = data["since"][:10]
    assert since == (utcnow() - timedelta(days=6)).strftime("%Y-%m-%d")
    assert env.client.get("/api/dashboard?days=5").status_code == 422


def test_dashboard_page_draws_each_chart_as_plain_svg(env: Env) -> None:
    _activity(env)
    env.login("alice")
    page = env.client.get("/dashboard").text
    for name in ("flagged", "queue", "sites", "actors", "throughput", "precision", "feedback"):
        figure = page.split(f'id="chart-{name}"')[1].split("</figure>")[0]
        assert "<svg" in figure, name
    precision = page.split('id="chart-precision"')[1].split("</figure>")[0]
    assert "非法代孕" in precision and "50%（1/2）" in precision
    assert "网络非法送养" in precision and "100%（1/1）" in precision
    feedback = page.split('id="chart-feedback"')[1].split("</figure>")[0]
    assert "已立案" in feedback and ">1</text>" in feedback
    actors = page.split('id="chart-actors"')[1].split("</figure>")[0]
    assert 'href="/actors/' in actors and "fake_wx_001" in actors
    throughput = page.split('id="chart-throughput"')[1].split("</figure>")[0]
    assert "alice 2" in throughput and "sam 1" in throughput
    # The CSP forbids inline scripts and styles: the charts use neither.
    charts = page.split('<div class="charts">')[1]
    assert "<script" not in charts and "style=" not in charts and "<style" not in charts
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/app.js" defer>']
    assert "<b>evil-site</b>" not in page and "&lt;b&gt;evil-site&lt;/b&gt;" in page


def test_bar_lengths_follow_the_figures(env: Env) -> None:
    _activity(env)
    env.login("alice")
    page = env.client.get("/dashboard").text
    sites = page.split('id="chart-sites"')[1].split("</figure>")[0]
    widths = [float(w) for w in re.findall(r'<rect x="150" y="\d+" width="([\d.]+)"', sites)]
    assert len(widths) == 2 and widths[0] == pytest.approx(2 * widths[1])  # 2 flagged vs 1


def test_empty_register_still_draws_the_page(env: Env) -> None:
    env.login("root")
    page = env.client.get("/dashboard?days=90")
    assert page.status_code == 200 and "暂无数据" in page.text


def test_every_role_sees_the_dashboard(env: Env) -> None:
    assert roles_allowed(env, "GET", "/dashboard") == {"analyst", "supervisor", "liaison", "admin"}
    logout(env.client)
    assert env.client.get("/api/dashboard").status_code == 401
