"""Crawl benchmark: pages/s of crawl + score + store against a fetch-only Scrapy spider.

Everything runs on this machine: the sandbox's `/bench/` site (generated
forum threads with corpus text, served from this process), then, one after
the other, against the same pages:

1. a plain Scrapy spider that only fetches (`benchmarks.fetch_only`);
2. `cluewatch crawl bench`: the config spider, frontier, normalise, dedup,
   lexicon + classifier scoring, WARC evidence and the SQLite store, one
   process, its resident memory sampled as the crawl goes;
3. the same crawl split over two `cluewatch crawl` processes sharing a
   Redis queue and dupefilter (a real `redis-server`).

Politeness limits are lifted for the benchmark (no delay, no AutoThrottle,
16 requests in flight); robots.txt is still fetched and obeyed by all.
Pages/s counts responses between the spider opening and closing, as
Scrapy's stats and the crawl run record give them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import memory_status, table
from crawler.sandbox.redis_server import local_redis
from crawler.sandbox.server import Sandbox
from index.sqlite import SQLiteStore

CONCURRENCY = 16
SITE = """\
name: bench
title: crawl benchmark forum
kind: forum
start_urls: ["${SANDBOX}/bench/list/1"]
allowed_domains: ["127.0.0.1"]
follow:
  - css: "a.thread-link"
  - css: "a.next-page"
pages:
  - match: "^/bench/thread/\\\\d+$"
    kind: thread
    item: {css: "div.floor"}
    fields:
      title: {css: "h1.thread-title::text", scope: page}
      text: {css: "div.floor-body"}
      author: {css: ".floor-author::text"}
      published: {css: "time.floor-time::attr(datetime)"}
      floor: {xpath: "@data-floor"}
      anchor: {xpath: "@id"}
schedule: "0 3 * * *"
politeness: {download_delay: 0, concurrency: CONCURRENCY, autothrottle: false}
""".replace("CONCURRENCY", str(CONCURRENCY))


@dataclass
class Result:
    name: str
    pages: int
    seconds: float
    posts: int = 0
    # (pages served so far, VmRSS, RssAnon, RssFile) in bytes
    memory: list[tuple[int, int, int, int]] = field(default_factory=list)
    load: float = field(default_factory=lambda: os.getloadavg()[0])

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


class Sampler(threading.Thread):
    """Samples pages served so far and the memory of `pid` twice a second until it ends."""

    def __init__(self, sandbox: Sandbox, pid: int) -> None:
        super().__init__(daemon=True)
        self.sandbox, self.pid = sandbox, pid
        self.samples: list[tuple[int, int, int, int]] = []
        self.base = len(sandbox.requests)

    def run(self) -> None:
        while figures := memory_status(self.pid):
            served = len(self.sandbox.requests) - self.base
            self.samples.append((served, figures["VmRSS"], figures["RssAnon"], figures["RssFile"]))
            time.sleep(0.5)


def _env(workdir: Path, sandbox: Sandbox, redis_url: str | None = None) -> dict[str, str]:
    sites = workdir / "sites"
    sites.mkdir(parents=True, exist_ok=True)
    (sites / "bench.yaml").write_text(SITE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUEWATCH_")}
    env |= {
        "CLUEWATCH_DATA_DIR": str(workdir / "data"),
        "CLUEWATCH_SITES_DIR": str(sites),
        "CLUEWATCH_SANDBOX_URL": sandbox.url,
    }
    if redis_url:
        env["CLUEWATCH_REDIS_URL"] = redis_url
    return env


def _cluewatch(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    command = [str(Path(sys.executable).parent / "cluewatch"), "crawl", "bench"]
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process: subprocess.Popen[str], what: str) -> str:
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{what} failed (exit {process.returncode}):\n{err[-3000:]}")
    return out


def fetch_only(sandbox: Sandbox) -> Result:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.fetch_only",
            f"{sandbox.url}/bench/list/1",
            str(CONCURRENCY),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    figures = json.loads(_finish(process, "fetch-only spider").strip().splitlines()[-1])
    return Result("fetch only (plain Scrapy)", figures["pages"], figures["seconds"])


def _runs(workdir: Path) -> tuple[int, float, int]:
    """Pages, seconds from the first start to the last end, and posts stored."""
    store = SQLiteStore(workdir / "data" / "cluewatch.db")
    try:
        runs = store.crawl_runs(site="bench", limit=10)
        posts = store.count_posts()
    finally:
        store.close()
    start = min(r.started_at for r in runs)
    end = max(r.finished_at or r.started_at for r in runs)
    return sum(r.pages for r in runs), (end - start).total_seconds(), posts


def crawl(sandbox: Sandbox, workdir: Path) -> Result:
    process = _cluewatch(_env(workdir, sandbox), workdir)
    sampler = Sampler(sandbox, process.pid)
    sampler.start()
    _finish(process, "cluewatch crawl")
    sampler.join()
    pages, seconds, posts = _runs(workdir)
    return Result("crawl + score + store", pages, seconds, posts, sampler.samples)


def crawl_redis(sandbox: Sandbox, workdir: Path, processes: int) -> Result:
    with local_redis(workdir / "redis") as url:
        env = _env(workdir, sandbox, url)
        running = [_cluewatch(env, workdir) for _ in range(processes)]
        for process in running:
            _finish(process, "cluewatch crawl (Redis)")
    pages, seconds, posts = _runs(workdir)
    return Result(f"crawl + score + store, {processes} processes via Redis", pages, seconds, posts)


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def memory(result: Result) -> list[tuple[str, ...]]:
    """Memory once the crawl is under way (after 5% of its pages), half-way, at the end,
    and the peak."""
    samples = [s for s in result.memory if s[0] > 0]
    if not samples:
        return []
    total = samples[-1][0]
    picks = [
        next((s for s in samples if s[0] >= total * share), samples[-1]) for share in (0.05, 0.5)
    ]
    rows = [(f"after {s[0]:,} pages", *(_mib(v) for v in s[1:])) for s in picks]
    rows.append((f"at the end ({samples[-1][0]:,} pages)", *(_mib(v) for v in samples[-1][1:])))
    rows.append(("peak", *(_mib(max(s[i] for s in samples)) for i in (1, 2, 3))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads", type=int, default=98_000, help="bench threads (pages ≈ threads × 1.02)"
    )
    parser.add_argument(
        "--processes", type=int, default=2, help="crawler processes via Redis (1: no Redis run)"
    )
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args, _ = parser.parse_known_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="cluewatch-bench-crawl-"))
    try:
        with Sandbox(port=0, bench_threads=args.threads) as sandbox:
            print(f"crawl benchmark: {args.threads:,} bench threads at {sandbox.url}, {workdir}")
            baseline = fetch_only(sandbox)
            single = crawl(sandbox, workdir / "single")
            shared = (
                crawl_redis(sandbox, workdir / "redis", args.processes)
                if args.processes > 1
                else None
            )
        report(baseline, single, shared)  # before the (slow) clean-up of the evidence files
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def report(baseline: Result, single: Result, shared: Result | None) -> None:
    rows = [
        (
            r.name,
            f"{r.pages:,}",
            f"{r.posts:,}" if r.posts else "-",
            f"{r.seconds:,.1f}",
            f"{r.rate:,.0f}",
            f"{r.rate / baseline.rate:.0%}",
            f"{r.load:.1f}",
        )
        for r in (baseline, single, shared)
        if r is not None
    ]
    header = ("run", "pages", "posts stored", "seconds", "pages/s", "of fetch-only", "load")
    print(table(rows, header))
    print(
        "load: the machine's 1-minute load average at the end of the run (the benchmark's own "
        "processes make about 2; more means other work shared the cores)"
    )
    print("\nresident memory of the crawl process (one process):")
    print(table(memory(single), ("when", "RSS", "anonymous", "mapped files")))
    print(f"\n{os.cpu_count()} CPU cores; the sandbox server shares them with the crawlers.")


if __name__ == "__main__":
    main()
