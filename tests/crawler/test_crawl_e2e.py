"""End to end: crawl the sandbox web into a temporary store with a real subprocess."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crawler.sandbox.server import Sandbox
from tests.conftest import run_cli


def test_crawl_stores_every_post_and_flags_clues_not_benign(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    env = {"CLUEWATCH_DATA_DIR": str(tmp_path / "data"), "CLUEWATCH_SANDBOX_URL": sandbox.url}
    result = run_cli(["crawl", "sandbox-forum", "sandbox-classifieds"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    # At the default WARNING level the operator sees the summary, not Scrapy's INFO lines.
    assert "INFO" not in result.stderr and "Deprecation" not in result.stderr, result.stderr[:2000]
    expected = sandbox.content.expectations(sandbox.url, sites=("forum", "classifieds"))
    conn = sqlite3.connect(tmp_path / "data" / "cluewatch.db")
    stored = {
        url: (flagged, label)
        for url, flagged, label in conn.execute("SELECT url, flagged, label FROM posts")
    }
    assert set(stored) == set(expected)  # every post exactly once, replies included
    clues = [url for url, cats in expected.items() if cats]
    benign = [url for url, cats in expected.items() if not cats]
    caught = [url for url in clues if stored[url][0]]
    false_alarms = [url for url in benign if stored[url][0]]
    # Floors below the shipped model's measured 63/65 clues and 6/194 benign
    # (2026-11-23, hand-written posts and the forum's held-out 杂谈 board; the
    # hand-written ones alone 53/54 and 5/178, the foundation had 32/54, 14/178).
    assert len(caught) / len(clues) >= 0.9, f"only {len(caught)}/{len(clues)} clues flagged"
    assert len(false_alarms) / len(benign) <= 0.08, (
        f"{len(false_alarms)}/{len(benign)} benign flagged"
    )

    again = run_cli(["crawl", "sandbox-forum", "sandbox-classifieds"], cwd=tmp_path, env=env)
    assert again.returncode == 0
    assert "0 new" in again.stdout and conn.execute("SELECT COUNT(*) FROM posts").fetchone()[
        0
    ] == len(expected)


def test_unreachable_site_and_bad_config_give_clear_messages(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "down.yaml").write_text(
        'name: down\nstart_urls: ["http://127.0.0.1:9/"]\nallowed_domains: ["127.0.0.1"]\n'
        'pages: [{match: "x", fields: {text: {css: "p"}}}]\npoliteness: {obey_robots: false}\n',
        encoding="utf-8",
    )
    (sites / "broken.yaml").write_text("name: broken\nstart_urls: [not-a-url]\n", encoding="utf-8")
    env = {"CLUEWATCH_DATA_DIR": str(tmp_path / "data"), "CLUEWATCH_SITES_DIR": str(sites)}
    result = run_cli(["crawl", "--all"], cwd=tmp_path, env=env)
    assert "E002" in result.stderr and "broken.yaml" in result.stderr
    assert "down:" in result.stdout and "ConnectionRefused" in result.stdout
