"""The crawl scheduler and the per-site lock, with real `cluewatch` subprocesses.

Cron expressions here carry croniter's sixth field (seconds), so runs fire
within seconds; the one fake-clock test covers what needs minutes.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import SiteConfig
from crawler.locks import SiteLocked, site_lock
from crawler.sandbox.server import Sandbox
from crawler.schedule import Scheduler
from index.models import CrawlRun
from index.sqlite import SQLiteStore
from tests.conftest import REPO, run_cli
from tests.crawler.slow_site import SlowSite

CLUEWATCH = str(Path(sys.executable).parent / "cluewatch")
LAUNCH = re.compile(r"^(\S+ \S+) launch  (\S+) run ([0-9a-f]{32}) pid (\d+)$", re.M)


# -- helpers -------------------------------------------------------------------


def write_site(sites: Path, name: str, url: str, schedule: str) -> None:
    sites.mkdir(exist_ok=True)
    (sites / f"{name}.yaml").write_text(
        f'name: {name}\nstart_urls: ["{url}"]\nallowed_domains: ["127.0.0.1"]\n'
        'pages: [{match: "/", kind: entry, fields: {text: {css: "p"}}}]\n'
        f'schedule: "{schedule}"\n'
        "politeness: {download_delay: 0, obey_robots: false, autothrottle: false}\n",
        encoding="utf-8",
    )


def slow_site_env(tmp_path: Path, slow_site: SlowSite) -> tuple[Path, dict[str, str]]:
    """Site `slow` on the loopback slow site, never due by the clock: its data dir and env."""
    sites, data = tmp_path / "sites", tmp_path / "data"
    write_site(sites, "slow", f"{slow_site.url}/slow/", "0 0 1 1 *")
    return data, {"CLUEWATCH_DATA_DIR": str(data), "CLUEWATCH_SITES_DIR": str(sites)}


class Cli:
    """A long-running `cluewatch` subprocess whose output lines are read as they come."""

    def __init__(self, args: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("CLUEWATCH_")}
        full_env.update(env)
        self.process = subprocess.Popen(
            [CLUEWATCH, *args],
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout as stdout:
            for line in stdout:
                self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """The first line from now on that matches `pattern`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matching {pattern!r}; output:\n" + "\n".join(self.lines))

    def finish(self, timeout: float = 30) -> int:
        returncode = self.process.wait(timeout=timeout)
        while (line := self._queue.get(timeout=5)) is not None:
            self.lines.append(line)
        return returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(5)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


def lock_is_free(data: Path, site: str) -> bool:
    try:
        with site_lock(data / "locks", site):
            return True
    except SiteLocked:
        return False


def stored_run(data: Path, run_id: str) -> CrawlRun:
    store = SQLiteStore(data / "cluewatch.db")
    try:
        (run,) = [r for r in store.crawl_runs(limit=100) if r.id == run_id]
    finally:
        store.close()
    return run


# -- the lock ------------------------------------------------------------------

HOLD_LOCK = """
import sys, time
from pathlib import Path
from crawler.locks import site_lock
with site_lock(Path(sys.argv[1]), "forum"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_site_lock_refuses_a_second_holder_and_a_killed_holder_does_not_block(
    tmp_path: Path,
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            with pytest.raises(SiteLocked) as refused, site_lock(tmp_path, "forum"):
                pass
            assert refused.value.code == "E081"
            assert "'forum'" in str(refused.value) and f"pid {holder.pid}" in str(refused.value)
            assert refused.value.pid == holder.pid
            with site_lock(tmp_path, "classifieds"):  # other sites are not affected
                pass
        finally:
            holder.send_signal(signal.SIGKILL)
    # The kernel dropped the dead holder's lock; its file (and stale pid) stayed.
    assert (tmp_path / "forum.lock").exists()
    with site_lock(tmp_path, "forum") as path:
        assert path.read_text() == f"{os.getpid()}\n"
    assert path.read_text() == ""


# -- scheduling logic (fake clock, trivial subprocesses) -----------------------


def _site(name: str, schedule: str) -> SiteConfig:
    return SiteConfig(
        name=name,
        start_urls=["http://127.0.0.1:9/"],
        allowed_domains=["127.0.0.1"],
        pages=[{"match": "/", "fields": {"text": {"css": "p"}}}],
        schedule=schedule,
    )


def test_missed_fires_are_not_backfilled_and_a_run_without_a_record_is_failed(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    lines: list[str] = []
    now = datetime(2026, 3, 2, 10, 2, tzinfo=UTC)
    suspended = False

    def clock() -> datetime:
        return now

    def sleep(seconds: float) -> None:
        nonlocal now, suspended
        time.sleep(0.01)
        # Time stands still until the run launched has been reaped, so the
        # checks below do not depend on how fast a process starts.
        launched = sum(" launch " in line for line in lines)
        if len(scheduler.outcomes) < launched:
            return
        if not suspended and now >= datetime(2026, 3, 2, 10, 6, tzinfo=UTC):
            suspended = True  # the machine sleeps through the 10:10, 10:15 and 10:20 fires
            now = datetime(2026, 3, 2, 10, 21, 30, tzinfo=UTC)
        elif now >= datetime(2026, 3, 2, 10, 26, tzinfo=UTC):
            scheduler.stop()
        else:
            now += timedelta(seconds=seconds)

    scheduler = Scheduler(
        [_site("a", "*/5 * * * *")],
        store=store,
        logs_dir=tmp_path / "runs",
        report=lines.append,
        clock=clock,
        sleep=sleep,
        command=lambda site: [sys.executable, "-c", "pass"],
        poll_seconds=20,
    )
    outcomes = scheduler.run()
    launches = [line[:19] for line in lines if " launch  a " in line]
    # Not at start-up (10:02), not once per missed fire: 10:05, one at wake-up, 10:25.
    assert launches == ["2026-03-02 10:05:00", "2026-03-02 10:21:30", "2026-03-02 10:25:00"]
    assert [o.status for o in outcomes] == ["failed"] * 3
    runs = store.crawl_runs(site="a")
    assert {r.id for r in runs} == {o.run_id for o in outcomes}
    assert all(r.status == "failed" and r.errors == {"no_finished_record": 1} for r in runs)
    store.close()


def test_concurrent_crawls_are_capped_and_the_rest_wait_for_a_slot(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    lines: list[str] = []
    scheduler = Scheduler(
        [_site(name, "0 0 1 1 *") for name in ("a", "b", "c")],
        store=store,
        logs_dir=tmp_path / "runs",
        max_crawls=2,
        report=lines.append,
        command=lambda site: [
            sys.executable,
            "-c",
            "import sys, time; time.sleep(0.3); sys.exit(4)",
        ],
        poll_seconds=0.05,
    )
    outcomes = scheduler.run(once=True)
    running = peak = 0
    for line in lines:
        if " launch " in line:
            running += 1
            peak = max(peak, running)
        elif " failed " in line:
            running -= 1
    assert peak == 2 and running == 0
    assert sorted(o.site for o in outcomes) == ["a", "b", "c"]
    # Exit status 4 with no record: the scheduler wrote the run itself.
    assert all(r.errors == {"exit_status": 4} for r in store.crawl_runs())
    store.close()


# -- end to end: `cluewatch schedule`, `crawl`, `runs` -------------------------


def test_schedule_crawls_at_cron_times_records_runs_and_stops_cleanly(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    sites, data = tmp_path / "sites", tmp_path / "data"
    sites.mkdir()
    source = (REPO / "crawler" / "sites" / "sandbox-classifieds.yaml").read_text(encoding="utf-8")
    every_3s = re.sub(r"(?m)^schedule: .*$", 'schedule: "* * * * * */3"', source)
    (sites / "sandbox-classifieds.yaml").write_text(every_3s, encoding="utf-8")
    env = {
        "CLUEWATCH_DATA_DIR": str(data),
        "CLUEWATCH_SITES_DIR": str(sites),
        "CLUEWATCH_SANDBOX_URL": sandbox.url,
    }
    scheduler = Cli(["schedule"], cwd=tmp_path, env=env)
    try:
        first = scheduler.wait_for(LAUNCH.pattern)
        # A crawl takes longer than 3 s: the fires meanwhile are skipped, not queued.
        scheduler.wait_for(
            rf"skip    sandbox-classifieds: previous run {first[3]} .* still running"
        )
        done = scheduler.wait_for(rf"finish  sandbox-classifieds run {first[3]} .*(\d+) new", 60)
        second = scheduler.wait_for(LAUNCH.pattern, 10)
        scheduler.process.send_signal(signal.SIGTERM)
        assert scheduler.finish() == 0, scheduler.output
    finally:
        scheduler.kill()
    assert "finish" in done[0]
    for launch in (first, second):
        assert datetime.fromisoformat(launch[1]).second % 3 == 0, scheduler.output
    assert f"failed  sandbox-classifieds run {second[3]}: interrupted" in scheduler.output

    run = stored_run(data, first[3])
    conn = sqlite3.connect(data / "cluewatch.db")
    stored_posts = conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    conn.close()
    assert run.status == "finished" and run.site == "sandbox-classifieds"
    assert run.pages > 0 and run.new_posts == stored_posts == len(sandbox.content.listings)
    assert run.flagged_posts > 0
    interrupted = stored_run(data, second[3])
    assert interrupted.status == "failed" and interrupted.errors.get("interrupted") == 1
    assert lock_is_free(data, "sandbox-classifieds")

    listed = run_cli(["runs"], cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split()[:9] == [
        "run", "site", "started", "ended", "status", "pages", "new", "changed", "flagged",
    ]  # fmt: skip
    assert len(rows) == 2
    assert rows[0].startswith(second[3][:8]) and "failed" in rows[0] and "interrupted 1" in rows[0]
    assert rows[1].startswith(first[3][:8]) and "finished" in rows[1]
    assert f" {run.pages} " in rows[1] and f" {run.new_posts} " in rows[1]


def test_fire_during_a_running_crawl_is_skipped_and_a_manual_crawl_of_it_is_refused(
    tmp_path: Path, slow_site: SlowSite
) -> None:
    sites, data = tmp_path / "sites", tmp_path / "data"
    write_site(sites, "slow", f"{slow_site.url}/slow/", "* * * * * */2")
    write_site(sites, "fast", f"{slow_site.url}/fast/", "0 0 1 1 *")
    env = {"CLUEWATCH_DATA_DIR": str(data), "CLUEWATCH_SITES_DIR": str(sites)}
    scheduler = Cli(["schedule", "--sites", "slow"], cwd=tmp_path, env=env)
    try:
        launch = scheduler.wait_for(LAUNCH.pattern)
        assert slow_site.requested.wait(30), scheduler.output
        scheduler.wait_for(
            rf"skip    slow: previous run {launch[3]} \(pid {launch[4]}\) is still running"
        )

        manual = run_cli(["crawl", "slow", "fast"], cwd=tmp_path, env=env, timeout=60)
        assert manual.returncode == 3, manual.stderr
        assert f"skipped slow: E081: site 'slow' is being crawled by pid {launch[4]}" in (
            manual.stderr
        )
        assert "fast: 1 pages" in manual.stdout  # the free site was still crawled

        slow_site.release.set()
        scheduler.wait_for(rf"finish  slow run {launch[3]} in \d+s: 1 pages, 1 new", 30)
        scheduler.process.send_signal(signal.SIGINT)
        assert scheduler.finish() == 0, scheduler.output
    finally:
        scheduler.kill()
    assert stored_run(data, launch[3]).status == "finished"
    assert lock_is_free(data, "slow")


def test_crawl_killed_with_sigkill_is_recorded_failed_and_its_lock_freed(
    tmp_path: Path, slow_site: SlowSite
) -> None:
    data, env = slow_site_env(tmp_path, slow_site)
    scheduler = Cli(["schedule", "--once", "--sites", "slow"], cwd=tmp_path, env=env)
    try:
        launch = scheduler.wait_for(LAUNCH.pattern)
        assert slow_site.requested.wait(30), scheduler.output
        # The crawl holds the site's lock and has opened its run record.
        assert (data / "locks" / "slow.lock").read_text() == f"{launch[4]}\n"
        assert stored_run(data, launch[3]).status == "running"
        os.kill(int(launch[4]), signal.SIGKILL)
        scheduler.wait_for(rf"failed  slow run {launch[3]}: signal 9 \(log .*\.log\)")
        assert scheduler.finish() == 1, scheduler.output  # --once: a run failed
    finally:
        scheduler.kill()
    run = stored_run(data, launch[3])
    assert run.status == "failed" and run.errors == {"signal": 9} and run.finished_at is not None
    assert lock_is_free(data, "slow")

    listed = run_cli(["runs", "--site", "slow", "--limit", "5"], cwd=tmp_path, env=env)
    (row,) = listed.stdout.splitlines()[1:]
    assert row.startswith(launch[3][:8]) and " failed " in row and row.endswith("signal 9")
