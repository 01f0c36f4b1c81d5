"""Crawl each site on its cron expression, one `cluewatch crawl SITE` subprocess per run.

Contract:

- A site is never crawled twice at once: a fire while its previous run is
  still going is skipped (and reported); the per-site lock (`crawler.locks`)
  that `cluewatch crawl` takes also refuses a manual crawl or a second
  scheduler, and the scheduler reports that fire as skipped too.
- Fires missed while the scheduler was down are not backfilled: at start
  each site waits for its next cron time. Fires missed while the loop could
  not run (the machine slept) are coalesced into one run.
- At most `max_crawls` crawl processes run at once; a site due while all are
  busy waits for a free slot (once: a second fire meanwhile is skipped).
- Every launched run ends in the store: the crawl records itself under the
  run id the scheduler passes in `CLUEWATCH_RUN_ID`; if the process exits
  non-zero, is killed, or leaves no finished record, the scheduler saves the
  run as `failed` with the reason in `errors` (`exit_status`, `signal`,
  `no_finished_record`, `interrupted`, `launch`), next to the reasons the
  crawl recorded itself (`crawler.runs`).
- `stop()` (the command calls it on SIGINT/SIGTERM) stops launching,
  terminates the running crawls (SIGTERM, then SIGKILL after
  `grace_seconds`) and records them failed with `interrupted`.

Each run's output goes to `logs_dir/{run_id}.log`. Cron expressions are read
in the clock's time zone (the host's local time by default); croniter takes
an optional sixth field for seconds (`* * * * * */10`: every ten seconds).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

from croniter import croniter

from crawler.config import SiteConfig
from crawler.frontier import crawl_in_progress
from crawler.locks import LOCKED_EXIT_STATUS, NOTHING_TO_JOIN_EXIT_STATUS
from crawler.runs import INTERRUPTED_EXIT_STATUS
from index.base import Store
from index.models import CrawlRun, utcnow

logger = logging.getLogger(__name__)

RUN_ID_ENV = "CLUEWATCH_RUN_ID"


def crawl_command(site: str) -> list[str]:
    """`cluewatch crawl SITE` with this interpreter's installed console script."""
    script = Path(sys.executable).parent / "cluewatch"
    if script.exists():
        return [str(script), "crawl", site]
    return [sys.executable, "-c", "from cluewatch.cli import main; main()", "crawl", site]


def next_fire(expression: str, after: datetime) -> datetime:
    """The first time strictly after `after` that `expression` fires, in `after`'s time zone."""
    fire: datetime = croniter(expression, after).get_next(datetime)
    return fire


def _local_now() -> datetime:
    return datetime.now().astimezone()


@dataclass
class Outcome:
    """How one fire ended, as the scheduler saw it."""

    site: str
    status: Literal["finished", "failed", "skipped"]
    run_id: str | None = None
    detail: str = ""


@dataclass
class _Running:
    site: str
    run_id: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    log_path: Path
    launched: datetime
    started_at: datetime = field(default_factory=utcnow)


class Scheduler:
    """Runs `sites` on their `schedule` cron expressions until `stop()` (or, once, until done).

    `report` receives one line per event (launch, finish, failed, skip, wait,
    stop), prefixed with the clock's time. `clock` and `sleep` are the seams
    for tests; `sleep` must return early when `stop()` is called for a prompt
    shutdown (the default does). `command` builds a run's argv from a site name.
    """

    def __init__(
        self,
        sites: Sequence[SiteConfig],
        *,
        store: Store,
        logs_dir: Path,
        max_crawls: int = 2,
        report: Callable[[str], None] = logger.info,
        clock: Callable[[], datetime] = _local_now,
        sleep: Callable[[float], object] | None = None,
        command: Callable[[str], list[str]] = crawl_command,
        env: Mapping[str, str] | None = None,
        poll_seconds: float = 0.25,
        grace_seconds: float = 10.0,
    ) -> None:
        if max_crawls < 1:
            raise ValueError("max_crawls must be at least 1")
        self.sites = {site.name: site for site in sites}
        self.store = store
        self.logs_dir = logs_dir
        self.max_crawls = max_crawls
        self._report = report
        self.clock = clock
        self._wake = threading.Event()
        self.sleep = sleep or self._wake.wait
        self.command = command
        self.env = dict(os.environ if env is None else env)
        self.poll_seconds = poll_seconds
        self.grace_seconds = grace_seconds
        self.outcomes: list[Outcome] = []
        self._next: dict[str, datetime] = {}
        self._pending: list[str] = []
        self._running: dict[str, _Running] = {}
        self._stopping = False

    # -- control ---------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to shut down; safe to call from a signal handler."""
        self._stopping = True
        self._wake.set()

    def run(self, *, once: bool = False) -> list[Outcome]:
        """Schedule until `stop()`; with `once`, crawl every site now and return when all ended.

        Returns the outcome of every fire handled.
        """
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        now = self.clock()
        if once:
            self._pending = self._once(now)
        else:
            for name, site in self.sites.items():
                self._next[name] = next_fire(site.schedule, now)
                self.report(
                    f"next    {name} at {self._next[name]:%Y-%m-%d %H:%M:%S} ({site.schedule})"
                )
        try:
            while not self._stopping:
                now = self.clock()
                self._reap()
                for name in self._due(now):
                    self._fire(name)
                self._launch_pending()
                if once and not self._pending and not self._running:
                    break
                wait = self.poll_seconds
                if self._next:
                    until = (min(self._next.values()) - now).total_seconds()
                    wait = max(0.0, min(wait, until))
                self.sleep(wait)
        finally:
            self._shutdown()
        return self.outcomes

    def _once(self, now: datetime) -> list[str]:
        """What `run(once=True)` crawls: every site."""
        return list(self.sites)

    def _due(self, now: datetime) -> list[str]:
        """Sites whose cron time has come; their next fire is set from `now`."""
        due = []
        for name, fire in list(self._next.items()):
            if fire <= now:
                due.append(name)
                # From now, not from `fire`: missed fires collapse into this one.
                self._next[name] = next_fire(self.sites[name].schedule, now)
        return due

    # -- events ----------------------------------------------------------------

    def report(self, line: str) -> None:
        self._report(f"{self.clock():%Y-%m-%d %H:%M:%S} {line}")

    def _skip(self, name: str, reason: str, run_id: str | None = None) -> None:
        self.outcomes.append(Outcome(name, "skipped", run_id, reason))
        self.report(f"skip    {name}: {reason}")

    def _fire(self, name: str) -> None:
        running = self._running.get(name)
        if running is not None:
            self._skip(
                name,
                f"previous run {running.run_id} (pid {running.process.pid}) is still running",
            )
        elif name in self._pending:
            self._skip(name, "previous fire is still waiting for a free crawl slot")
        else:
            self._pending.append(name)
            if len(self._running) >= self.max_crawls:
                self.report(
                    f"wait    {name}: {len(self._running)} of {self.max_crawls} crawls running"
                )

    def _launch_pending(self) -> None:
        while self._pending and len(self._running) < self.max_crawls and not self._stopping:
            self._launch(self._pending.pop(0))

    def _launch(self, name: str) -> None:
        run_id = uuid.uuid4().hex
        log_path = self.logs_dir / f"{run_id}.log"
        log = log_path.open("wb")
        try:
            process = subprocess.Popen(
                self.command(name),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**self.env, RUN_ID_ENV: run_id},
                # Its own session: a terminal's Ctrl-C reaches the scheduler, which
                # then stops its crawls itself and records them.
                start_new_session=True,
            )
        except OSError as exc:
            log.close()
            self._fail(CrawlRun(id=run_id, site=name), {"launch": 1}, f"cannot start: {exc}")
            return
        self._running[name] = _Running(name, run_id, process, log, log_path, self.clock())
        self.report(f"launch  {name} run {run_id} pid {process.pid}")

    def _reap(self) -> None:
        for name, running in list(self._running.items()):
            returncode = running.process.poll()
            if returncode is not None:
                del self._running[name]
                self._ended(running, returncode, interrupted=False)

    def _ended(self, running: _Running, returncode: int, *, interrupted: bool) -> None:
        running.log.close()
        if returncode == LOCKED_EXIT_STATUS and not interrupted:
            self._skip(running.site, _last_line(running.log_path), running.run_id)
            return
        record = self._record(running.site, running.run_id)
        if (
            returncode == 0
            and not interrupted
            and record is not None
            and record.status == "finished"
        ):
            seconds = (self.clock() - running.launched).total_seconds()
            errors = ", ".join(f"{k} {v}" for k, v in sorted(record.errors.items()))
            self.outcomes.append(Outcome(running.site, "finished", running.run_id))
            self.report(
                f"finish  {running.site} run {running.run_id} in {seconds:.0f}s: "
                f"{record.pages} pages, {record.new_posts} new, {record.changed_posts} changed, "
                f"{record.flagged_posts} flagged" + (f"; errors: {errors}" if errors else "")
            )
            return
        reasons: dict[str, int] = {}
        if interrupted:
            reasons["interrupted"] = 1
        if returncode < 0:
            reasons["signal"] = -returncode
        elif returncode > 0 and not (interrupted and returncode == INTERRUPTED_EXIT_STATUS):
            reasons["exit_status"] = returncode
        if not reasons:
            reasons["no_finished_record"] = 1
        base = record or CrawlRun(
            id=running.run_id, site=running.site, started_at=running.started_at
        )
        why = ", ".join(f"{k} {v}" for k, v in reasons.items())
        # What the crawl recorded itself (why it failed: no_pages, unreachable, ...).
        recorded = ", ".join(f"{k} {v}" for k, v in sorted(base.errors.items()) if k not in reasons)
        self._fail(
            base,
            reasons,
            f"{why}{f'; recorded: {recorded}' if recorded else ''} (log {running.log_path})",
        )

    def _fail(self, base: CrawlRun, reasons: dict[str, int], detail: str) -> None:
        run = base.model_copy(
            update={
                "status": "failed",
                "finished_at": utcnow(),
                "errors": {**base.errors, **reasons},
            }
        )
        self.store.save_crawl_run(run)
        self.outcomes.append(Outcome(run.site, "failed", run.id, detail))
        self.report(f"failed  {run.site} run {run.id}: {detail}")

    def _record(self, site: str, run_id: str) -> CrawlRun | None:
        # One run of a site at a time, so its record is among the latest few.
        for run in self.store.crawl_runs(site=site, limit=20):
            if run.id == run_id:
                return run
        return None

    def _shutdown(self) -> None:
        if self._pending:
            self.report(f"stop    not launching {', '.join(self._pending)}")
            self._pending.clear()
        if not self._running:
            return
        self.report(f"stop    terminating {len(self._running)} running crawl(s)")
        for running in self._running.values():
            running.process.terminate()
        deadline = time.monotonic() + self.grace_seconds
        for running in self._running.values():
            try:
                running.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()
        running_now, self._running = self._running, {}
        for running in running_now.values():
            self._ended(running, running.process.returncode, interrupted=True)


def _last_line(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1].strip() if lines else "the crawl reported its site as locked"


def join_command(site: str) -> list[str]:
    return [*crawl_command(site), "--join"]


class Worker(Scheduler):
    """Joins the crawls that schedulers on other machines start, through Redis.

    Every `poll_seconds` it asks Redis which of `sites` have a crawl in
    progress (requests queued or leased) and runs `cluewatch crawl SITE
    --join` for each that it is not already helping with, up to
    `max_crawls` at once. A joined crawl only takes requests from the shared
    queue; it never starts a crawl of its own. Each joined run is recorded
    like any other.
    """

    def __init__(self, sites: Sequence[SiteConfig], *, redis_url: str, **kwargs: Any) -> None:
        import redis

        kwargs.setdefault("command", join_command)
        kwargs.setdefault("poll_seconds", 5.0)
        super().__init__(sites, **kwargs)
        self.redis = redis.Redis.from_url(redis_url)

    def run(self, *, once: bool = False) -> list[Outcome]:
        self.report(f"worker  waiting for crawls of {', '.join(self.sites)}")
        return super().run(once=once)

    def _once(self, now: datetime) -> list[str]:
        return self._due(now)

    def _ended(self, running: _Running, returncode: int, *, interrupted: bool) -> None:
        if returncode == NOTHING_TO_JOIN_EXIT_STATUS and not interrupted:
            running.log.close()
            self.report(f"done    {running.site}: the crawl ended before this process joined")
            return
        super()._ended(running, returncode, interrupted=interrupted)

    def _due(self, now: datetime) -> list[str]:
        return [
            name
            for name in self.sites
            if name not in self._running
            and name not in self._pending
            and crawl_in_progress(self.redis, name)
        ]
