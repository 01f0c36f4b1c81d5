"""How a crawl run ends in its record: finished or failed, and why.

A run is `failed` when the crawl did not finish (it was interrupted, or it
stopped itself because a host could not be reached) or when it finished
without fetching a single page but with errors (the site was down: nothing
was crawled, so it must not pass for a quiet day). The reason is a key in
the run's `errors`, next to the error counts by kind, the way the scheduler
records its own reasons (`signal`, `exit_status`, ...):

- `interrupted`: stopped by SIGINT or SIGTERM (Scrapy's close reason `shutdown`);
- `unreachable`: a host refused connections (or its name did not resolve)
  `CLUEWATCH_UNREACHABLE_AFTER` times in a row (`crawler.middlewares`);
- `no_pages`: no page fetched, and requests failed (their kinds are counted beside it);
- `process_died`: the record still said `running`, but no process held the
  site's lock any more (killed with SIGKILL, or the machine went down);
- any other Scrapy close reason, as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from crawler.locks import SiteLocked, site_lock
from index.base import Store
from index.models import CrawlRun

# `cluewatch crawl`'s exit status when a run failed, and when it was stopped by SIGINT
# or SIGTERM (128 + SIGINT, as shells report a Ctrl-C).
RUN_FAILED_EXIT_STATUS = 1
INTERRUPTED_EXIT_STATUS = 130

INTERRUPTED = "interrupted"
UNREACHABLE = "unreachable"
NO_PAGES = "no_pages"
PROCESS_DIED = "process_died"
# Scrapy's close reason when it stops on SIGINT or SIGTERM.
SHUTDOWN = "shutdown"
# Stats key prefix of the connection failures counted per host and kind:
# `cluewatch/connect_failed/HOST:PORT/KIND` (see `crawler.middlewares`).
CONNECT_FAILED = "cluewatch/connect_failed/"
# Running records of a site looked at for a dead process (one run of a site at a
# time, so a dead one is among the latest).
RECENT_RUNS = 100


def run_outcome(
    *, pages: int, errors: dict[str, int], reason: str
) -> tuple[Literal["finished", "failed"], dict[str, int]]:
    """The status of a run that closed with Scrapy's `reason`, and the failure reasons
    to add to its `errors` (empty for a finished run)."""
    if reason == "finished":
        if pages == 0 and any(errors.values()):
            return "failed", {NO_PAGES: 1}
        return "finished", {}
    if reason == SHUTDOWN:
        return "failed", {INTERRUPTED: 1}
    return "failed", {reason or "cancelled": 1}


def connect_failures(stats: dict[str, Any]) -> list[str]:
    """The connection failures of a crawl by host and kind, for people:
    ``127.0.0.1:8699: connection refused (12 attempts)``, most first."""
    found = []
    for key, value in stats.items():
        if key.startswith(CONNECT_FAILED):
            host, _, kind = key.removeprefix(CONNECT_FAILED).rpartition("/")
            found.append((int(value), f"{host}: {kind}"))
    found.sort(key=lambda pair: (-pair[0], pair[1]))
    return [f"{text} ({count} attempt{'s' if count != 1 else ''})" for count, text in found]


def fail_dead_runs(store: Store, site: str) -> list[CrawlRun]:
    """Record as failed (`process_died`) every run of `site` still recorded as running.

    The caller holds `site`'s crawl lock, so no process is crawling it: a run
    recorded as running lost its process without closing its record. Its end
    time stays unknown (empty). Returns the runs as saved.
    """
    dead = []
    for run in store.crawl_runs(site=site, limit=RECENT_RUNS):
        if run.status != "running":
            continue
        failed = run.model_copy(
            update={"status": "failed", "errors": {**run.errors, PROCESS_DIED: 1}}
        )
        store.save_crawl_run(failed)
        dead.append(failed)
    return dead


def fail_runs_without_process(
    store: Store, runs: list[CrawlRun], locks_directory: Path
) -> list[CrawlRun]:
    """Of `runs`, those recorded as running whose site's lock no process holds, saved as
    failed (`process_died`). A site whose lock is held is left alone: its crawl is alive.

    Only for crawls that take the lock (not with Redis, where processes share a crawl
    without it), and the lock guards one data directory: a run from another machine
    sharing the store would be marked too (its own end then overwrites the mark).
    """
    dead = []
    for site in sorted({run.site for run in runs if run.status == "running"}):
        try:
            with site_lock(locks_directory, site):
                dead.extend(fail_dead_runs(store, site))
        except SiteLocked:
            continue
    return dead
