"""kill -9 in the middle of a crawl, start again: every post stored exactly once.

A real `cluewatch crawl` subprocess is killed with SIGKILL once some posts
are stored; the second run resumes from the frontier (it does not fetch the
whole site again) and the store ends with each post once, no spurious
history, and evidence for every post.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import signal
import sqlite3
import time
from pathlib import Path

from crawler.sandbox.server import Sandbox
from tests.conftest import REPO, run_cli, start_cli

SLOW_FORUM = (REPO / "crawler" / "sites" / "sandbox-forum.yaml").read_text(encoding="utf-8")


def _sites(tmp_path: Path) -> Path:
    sites = tmp_path / "sites"
    sites.mkdir()
    text = re.sub(
        r"politeness:.*\Z",
        "politeness:\n  download_delay: 0.08\n  concurrency: 1\n  autothrottle: false\n",
        SLOW_FORUM,
        flags=re.DOTALL,
    )
    (sites / "sandbox-forum.yaml").write_text(text, encoding="utf-8")
    return sites


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_kill_minus_9_mid_crawl_then_resume_stores_every_post_once(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    data = tmp_path / "data"
    env = {
        "CLUEWATCH_DATA_DIR": str(data),
        "CLUEWATCH_SANDBOX_URL": sandbox.url,
        "CLUEWATCH_SITES_DIR": str(_sites(tmp_path)),
    }
    expected = {url for url in sandbox.content.expectations(sandbox.url) if "/forum/thread/" in url}
    db = data / "cluewatch.db"
    crawl = start_cli(["crawl", "sandbox-forum"], cwd=tmp_path, env=env, capture=False)
    deadline = time.monotonic() + 120
    while _count(db) < len(expected) // 3 and time.monotonic() < deadline:
        assert crawl.poll() is None, "the crawl ended before it could be killed"
        time.sleep(0.05)
    crawl.send_signal(signal.SIGKILL)
    crawl.wait()
    before = _count(db)
    assert 0 < before < len(expected), before
    assert (data / "frontier" / "sandbox-forum.sqlite").exists()

    resumed = run_cli(["crawl", "sandbox-forum"], cwd=tmp_path, env=env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming an interrupted crawl" in resumed.stderr
    pages = int(re.search(r"sandbox-forum: (\d+) pages", resumed.stdout).group(1))
    new = int(re.search(r"(\d+) new", resumed.stdout).group(1))

    conn = sqlite3.connect(db)
    urls = [u for (u,) in conn.execute("SELECT url FROM posts")]
    assert sorted(urls) == sorted(expected)  # each post once, none missing
    assert new == len(expected) - before  # the second run added exactly the rest
    assert conn.execute("SELECT COUNT(*) FROM post_history").fetchone()[0] == 0
    # The first run's finished pages were not fetched again.
    fresh = run_cli(["crawl", "sandbox-forum"], cwd=tmp_path, env=env)
    full_pages = int(re.search(r"sandbox-forum: (\d+) pages", fresh.stdout).group(1))
    assert "0 new" in fresh.stdout and "resuming" not in fresh.stderr
    assert pages < full_pages, (pages, full_pages)

    # Evidence: every stored post's page is saved, bytes matching their hash, as WARC.
    evidence = data / "evidence"
    for (raw_hash,) in conn.execute("SELECT DISTINCT raw_hash FROM posts"):
        body = (evidence / raw_hash[:2] / f"{raw_hash}.body").read_bytes()
        assert hashlib.sha256(body).hexdigest() == raw_hash
        warc = gzip.decompress((evidence / raw_hash[:2] / f"{raw_hash}.warc.gz").read_bytes())
        assert warc.startswith(b"WARC/1.1") and b"WARC-Type: response" in warc
