"""Several crawler processes share one crawl through Redis (scrapy-redis).

Real `redis-server`, real `cluewatch crawl` processes against the sandbox,
one shared store: together they store every post exactly once, and when one
is killed with SIGKILL the other takes over its unfinished requests.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import redis

from crawler.frontier import redis_key
from crawler.sandbox.server import Sandbox
from index.sqlite import SQLiteStore
from tests.conftest import REPO, run_cli, start_cli

FORUM = (REPO / "crawler" / "sites" / "sandbox-forum.yaml").read_text(encoding="utf-8")


def _setup(tmp_path: Path, sandbox: Sandbox, redis_url: str, delay: float) -> dict[str, str]:
    redis.Redis.from_url(redis_url).flushdb()
    sites = tmp_path / "sites"
    sites.mkdir()
    politeness = (
        f"politeness:\n  download_delay: {delay}\n  concurrency: 2\n  autothrottle: false\n"
    )
    (sites / "sandbox-forum.yaml").write_text(
        re.sub(r"politeness:.*\Z", politeness, FORUM, flags=re.DOTALL), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUEWATCH_")}
    env.update(
        {
            "CLUEWATCH_DATA_DIR": str(tmp_path / "data"),
            "CLUEWATCH_SANDBOX_URL": sandbox.url,
            "CLUEWATCH_SITES_DIR": str(sites),
            "CLUEWATCH_REDIS_URL": redis_url,
            "CLUEWATCH_REDIS_LEASE_TTL": "3",
        }
    )
    return env


def _crawler(tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return start_cli(["crawl", "sandbox-forum"], cwd=tmp_path, env=env)


def _forum_posts(sandbox: Sandbox) -> set[str]:
    return {u for u in sandbox.content.expectations(sandbox.url) if "/forum/thread/" in u}


def _stored(tmp_path: Path) -> list[str]:
    conn = sqlite3.connect(tmp_path / "data" / "cluewatch.db")
    try:
        return [u for (u,) in conn.execute("SELECT url FROM posts")]
    finally:
        conn.close()


def test_two_processes_share_one_crawl_and_store_every_post_once(
    tmp_path: Path, sandbox: Sandbox, redis_url: str
) -> None:
    env = _setup(tmp_path, sandbox, redis_url, delay=0.2)
    sandbox.clear_requests()
    # Pages wait until both processes have opened the shared frontier (each heart-beats
    # under its own worker key), so that neither can finish the crawl while the other
    # is still loading its model. (Waiting for both to ask for robots.txt could wait
    # forever: the first process may hold every queued request, and the second asks
    # for robots.txt only with a request of its own.)
    server = redis.Redis.from_url(redis_url)
    with sandbox.pages_held():
        first, second = _crawler(tmp_path, env), _crawler(tmp_path, env)
        deadline = time.monotonic() + 120
        while len(list(server.scan_iter(match=redis_key("*", "worker:*")))) < 2:
            assert time.monotonic() < deadline, "the crawlers did not start"
            for process in (first, second):
                if process.poll() is not None:
                    out, err = process.communicate()
                    raise AssertionError(
                        f"a crawler stopped (exit {process.returncode}): {out[-1500:]}\n{err[-3000:]}"
                    )
            time.sleep(0.05)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    for process, (_out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    pages = [int(re.search(r"sandbox-forum: (\d+) pages", out).group(1)) for out, _ in outputs]
    new = [int(re.search(r"(\d+) new", out).group(1)) for out, _ in outputs]
    assert all(p > 0 for p in pages), pages  # both took part
    expected = _forum_posts(sandbox)
    stored = _stored(tmp_path)
    assert sorted(stored) == sorted(expected)
    assert sum(new) == len(expected)  # no post written by both
    # One shared dupefilter: together they fetched each page about once (the start
    # page is fetched by each, robots.txt by each).
    single = len(sandbox.content.threads) + 16  # thread pages + boards and paging
    assert sum(pages) <= single * 1.2, (pages, single)


def test_a_killed_process_s_requests_are_taken_over(
    tmp_path: Path, sandbox: Sandbox, redis_url: str
) -> None:
    env = _setup(tmp_path, sandbox, redis_url, delay=0.1)
    expected = _forum_posts(sandbox)
    victim, survivor = _crawler(tmp_path, env), _crawler(tmp_path, env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if len(_stored(tmp_path)) >= len(expected) // 4:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    _out, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err[-3000:]
    assert sorted(_stored(tmp_path)) == sorted(expected)


def test_a_worker_joins_a_crawl_in_progress_and_never_starts_one(
    tmp_path: Path, sandbox: Sandbox, redis_url: str
) -> None:
    env = _setup(tmp_path, sandbox, redis_url, delay=0.2)
    # Nothing in progress: joining does nothing.
    idle = run_cli(["crawl", "sandbox-forum", "--join"], cwd=tmp_path, env=env, timeout=120)
    assert idle.returncode == 4, idle.stderr[-3000:]
    assert "no crawl in progress to join" in idle.stdout
    assert not (tmp_path / "data" / "cluewatch.db").exists() or not _stored(tmp_path)

    worker = start_cli(
        ["worker", "--sites", "sandbox-forum", "--poll", "0.2"], cwd=tmp_path, env=env
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(worker.stdout or []), daemon=True)
    reader.start()
    try:
        time.sleep(1.0)
        origin = _crawler(tmp_path, env)
        _out, err = origin.communicate(timeout=300)
        assert origin.returncode == 0, err[-3000:]
        # The joined run ends by itself once the shared queue is empty.
        deadline = time.monotonic() + 60
        while not any(line.split()[2:3] == ["finish"] for line in lines):
            assert time.monotonic() < deadline, lines
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=60)
        reader.join(10)
    out = "".join(lines)
    assert worker.returncode == 0, err[-3000:]
    assert re.search(r"launch  sandbox-forum run \w+", out), out
    assert sorted(_stored(tmp_path)) == sorted(_forum_posts(sandbox))
    store = SQLiteStore(tmp_path / "data" / "cluewatch.db")
    try:
        runs = sorted(store.crawl_runs(site="sandbox-forum"), key=lambda r: r.started_at)
    finally:
        store.close()
    pages = [r.pages for r in runs if r.status == "finished"]
    # The origin's run and at least one joined run, both with pages of their own.
    assert len(pages) >= 2 and all(p > 0 for p in pages[:2]), (runs, out)
