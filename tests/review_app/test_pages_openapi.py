"""The JSON API of the actors, lexicon, dashboard, crawl runs and users pages is
described in /openapi.json, every change taking the CSRF header."""

from __future__ import annotations

from pathlib import Path

from tests.review_app.pages import open_env

CHANGES = [
    "/api/lexicon/terms",
    "/api/lexicon/terms/disable",
    "/api/users",
    "/api/users/{username}/disable",
    "/api/users/{username}/enable",
    "/api/users/{username}/password",
]
READS = [
    "/api/actors",
    "/api/actors/{actor_id}",
    "/api/lexicon",
    "/api/dashboard",
    "/api/runs",
    "/api/runs/{site}",
    "/api/users",
]


def test_api_is_described_with_csrf_headers_on_changes(tmp_path: Path) -> None:
    spec = open_env(tmp_path).client.get("/openapi.json").json()
    for path in READS:
        assert "get" in spec["paths"][path], path
    for path in CHANGES:
        parameters = spec["paths"][path]["post"]["parameters"]
        assert any(p["name"] == "x-csrf-token" and p["in"] == "header" for p in parameters), path
    schemas = spec["components"]["schemas"]
    assert {"TermIn", "TermOut", "Dashboard", "ActorDetail", "UserOut", "CrawlRun"} <= set(schemas)
