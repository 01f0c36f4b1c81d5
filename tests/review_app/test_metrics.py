"""/metrics in the Prometheus text format: requests by route template and status,
latency histogram, clues per state and posts; the optional bearer token."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_post
from tests.review_app.pages import open_env


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_requests_by_route_and_the_register(tmp_path: Path) -> None:
    env = open_env(tmp_path)
    posts = [make_post(n) for n in range(3)] + [make_post(9, score=0.1)]
    env.store.write_posts(posts)
    env.login("alice")
    for _ in range(2):
        env.client.get(f"/posts/{posts[0].post.id}")
    env.client.get("/posts/no-such-post")
    samples = _samples(env.client.get("/metrics").text)
    route = (("method", "GET"), ("route", "/posts/{post_id}"))
    assert samples[("cluewatch_http_requests_total", (*route, ("status", "200")))] == 2
    assert samples[("cluewatch_http_requests_total", (*route, ("status", "404")))] == 1
    assert samples[("cluewatch_http_request_duration_seconds_count", route)] == 3
    assert (
        samples[("cluewatch_http_request_duration_seconds_bucket", (("le", "+Inf"), *route))] == 3
    )
    assert samples[("cluewatch_clues", (("state", "registered"),))] == 3
    assert samples[("cluewatch_clues", (("state", "unflagged"),))] == 1
    assert samples[("cluewatch_posts", ())] == 4
    assert posts[0].post.id not in env.client.get("/metrics").text


def test_metrics_token_when_set(tmp_path: Path) -> None:
    env = open_env(tmp_path, metrics_token="scrape-secret")
    assert env.client.get("/metrics").status_code == 401
    wrong = env.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ok = env.client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert ok.status_code == 200 and "cluewatch_posts" in ok.text
    assert ok.headers["content-type"].startswith("text/plain")
