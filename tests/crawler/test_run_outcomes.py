"""How a crawl run ends in its record and in `cluewatch crawl`'s exit status, with real
`cluewatch` subprocesses against real loopback servers (and a real closed port)."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from index.models import CrawlRun
from index.sqlite import SQLiteStore
from tests.conftest import run_cli, start_cli
from tests.crawler.slow_site import SlowSite
from tests.crawler.test_schedule import (
    LAUNCH,
    Cli,
    lock_is_free,
    slow_site_env,
    write_site,
)


def closed_port() -> int:
    """A loopback port nothing listens on: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def write_down_site(sites: Path, name: str, port: int, *, urls: int, robots: bool) -> None:
    """A site on a closed port; with `robots`, robots.txt is obeyed (and fails first)."""
    sites.mkdir(exist_ok=True)
    starts = ", ".join(f'"http://127.0.0.1:{port}/p/{i}"' for i in range(urls))
    (sites / f"{name}.yaml").write_text(
        f'name: {name}\nstart_urls: [{starts}]\nallowed_domains: ["127.0.0.1"]\n'
        'pages: [{match: "/", kind: entry, fields: {text: {css: "p"}}}]\n'
        'schedule: "0 0 1 1 *"\n'
        f"politeness: {{download_delay: 0, autothrottle: false, obey_robots: {str(robots).lower()}}}\n",
        encoding="utf-8",
    )


def runs_of(data: Path, site: str) -> list[CrawlRun]:
    store = SQLiteStore(data / "cluewatch.db")
    try:
        return store.crawl_runs(site=site, limit=20)
    finally:
        store.close()


def wait_for_run(data: Path, site: str, timeout: float = 60) -> CrawlRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (data / "cluewatch.db").exists() and (found := runs_of(data, site)):
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no run of {site} recorded")


# -- a site that cannot be reached ------------------------------------------------


def test_a_crawl_that_fetches_nothing_is_failed_with_the_host_and_exits_1(
    tmp_path: Path,
) -> None:
    sites, data = tmp_path / "sites", tmp_path / "data"
    port = closed_port()
    # One page, four tries: fewer failures than give up a host.
    write_down_site(sites, "down", port, urls=1, robots=False)
    env = {"CLUEWATCH_DATA_DIR": str(data), "CLUEWATCH_SITES_DIR": str(sites)}
    result = run_cli(["crawl", "down"], cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "down: 0 pages" in result.stdout and "(failed: no_pages)" in result.stdout
    assert f"127.0.0.1:{port}: connection refused (4 attempts)" in result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    (run,) = runs_of(data, "down")
    assert run.status == "failed" and run.pages == 0
    assert run.errors["no_pages"] == 1 and run.errors["connection"] == 1


def test_a_refused_host_is_given_up_after_ten_failures_in_a_row(tmp_path: Path) -> None:
    sites, data = tmp_path / "sites", tmp_path / "data"
    port = closed_port()
    # 40 URLs at four tries with backoff (1 + 2 + 4 s) each would take over two minutes.
    write_down_site(sites, "down", port, urls=40, robots=True)
    env = {"CLUEWATCH_DATA_DIR": str(data), "CLUEWATCH_SITES_DIR": str(sites)}
    began = time.monotonic()
    result = run_cli(["crawl", "down"], cwd=tmp_path, env=env, timeout=100)
    took = time.monotonic() - began
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "(failed: unreachable)" in result.stdout
    assert (
        f"down: giving up on 127.0.0.1:{port}: connection refused 10 times in a row"
        in result.stderr
    )
    # Connection errors are one line each at the default level, robots.txt's included.
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert f"robotstxt: Error downloading <GET http://127.0.0.1:{port}/p/" in result.stderr
    (run,) = runs_of(data, "down")
    assert run.status == "failed" and run.errors["unreachable"] == 1
    # Nowhere near 40 URLs' worth of tries (160): the crawl stopped.
    attempts = run.errors.get("connection", 0) + sum(
        n for kind, n in run.errors.items() if kind.startswith("retried_")
    )
    assert attempts < 30, run.errors
    assert took < 60, took


def test_schedule_once_exits_1_when_its_crawl_fetched_nothing(tmp_path: Path) -> None:
    sites, data = tmp_path / "sites", tmp_path / "data"
    write_down_site(sites, "down", closed_port(), urls=1, robots=False)
    env = {"CLUEWATCH_DATA_DIR": str(data), "CLUEWATCH_SITES_DIR": str(sites)}
    result = run_cli(["schedule", "--once", "--sites", "down"], cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "failed  down run" in result.stdout and "no_pages 1" in result.stdout
    (run,) = runs_of(data, "down")
    assert run.status == "failed" and run.errors["no_pages"] == 1


# -- interrupted and killed crawls -------------------------------------------------


def test_ctrl_c_records_the_run_failed_interrupted_and_exits_130(
    tmp_path: Path, slow_site: SlowSite
) -> None:
    data, env = slow_site_env(tmp_path, slow_site)
    crawl = start_cli(["crawl", "slow"], cwd=tmp_path, env=env)
    try:
        assert slow_site.requested.wait(60)
        crawl.send_signal(signal.SIGINT)
        time.sleep(0.5)
        slow_site.release.set()  # the page in flight completes; nothing more is fetched
        out, err = crawl.communicate(timeout=60)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()
    assert crawl.returncode == 130, out + err[-3000:]
    assert "(failed: interrupted)" in out
    (run,) = runs_of(data, "slow")
    assert run.status == "failed" and run.errors["interrupted"] == 1
    assert run.finished_at is not None


def crawl_killed_by_sigkill(
    tmp_path: Path, slow_site: SlowSite, *, while_alive: Callable[[dict[str, str]], None]
) -> tuple[Path, dict[str, str], CrawlRun]:
    """Start `cluewatch crawl slow`, call `while_alive(env)` once its run is recorded, then
    kill it with SIGKILL: the data directory, the environment and the run it left."""
    data, env = slow_site_env(tmp_path, slow_site)
    crawl = start_cli(["crawl", "slow"], cwd=tmp_path, env=env, capture=False)
    try:
        assert slow_site.requested.wait(60)
        run = wait_for_run(data, "slow")
        while_alive(env)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(30)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert runs_of(data, "slow")[0].status == "running"
    return data, env, run


def test_a_run_left_running_by_kill_9_is_failed_by_runs_but_a_live_one_is_not(
    tmp_path: Path, slow_site: SlowSite
) -> None:
    def runs_leaves_a_live_run_alone(env: dict[str, str]) -> None:
        # Alive: it holds the site's lock, so its run stays running.
        alive = run_cli(["runs", "--site", "slow"], cwd=tmp_path, env=env)
        assert alive.returncode == 0 and " running " in alive.stdout, alive.stdout + alive.stderr

    data, env, run = crawl_killed_by_sigkill(
        tmp_path, slow_site, while_alive=runs_leaves_a_live_run_alone
    )
    listed = run_cli(["runs", "--site", "slow"], cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    (row,) = listed.stdout.splitlines()[1:]
    assert row.startswith(run.id[:8]) and " failed " in row and row.endswith("process_died 1")
    (dead,) = runs_of(data, "slow")
    assert dead.status == "failed" and dead.errors == {"process_died": 1}
    assert lock_is_free(data, "slow")


def test_the_next_crawl_of_the_site_fails_a_run_left_running_by_kill_9(
    tmp_path: Path, slow_site: SlowSite
) -> None:
    data, env, killed = crawl_killed_by_sigkill(tmp_path, slow_site, while_alive=lambda env: None)
    slow_site.release.set()
    again = run_cli(["crawl", "slow"], cwd=tmp_path, env=env, timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"run {killed.id} of slow was still recorded as running" in again.stderr
    latest, dead = runs_of(data, "slow")
    assert latest.status == "finished" and latest.pages >= 1
    assert dead.id == killed.id and dead.status == "failed" and dead.errors == {"process_died": 1}


def test_a_scheduler_stopping_its_crawl_records_it_interrupted_once(
    tmp_path: Path, slow_site: SlowSite
) -> None:
    data, env = slow_site_env(tmp_path, slow_site)
    scheduler = Cli(["schedule", "--once", "--sites", "slow"], cwd=tmp_path, env=env)
    try:
        launch = scheduler.wait_for(LAUNCH.pattern)
        assert slow_site.requested.wait(60), scheduler.output
        scheduler.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        slow_site.release.set()
        scheduler.wait_for(rf"failed  slow run {launch[3]}: interrupted 1 \(log ", 60)
        scheduler.finish(60)
    finally:
        scheduler.kill()
    (run,) = runs_of(data, "slow")
    # The crawl's exit status 130 is what an interrupted crawl returns, not a second reason.
    assert run.status == "failed" and run.errors == {"interrupted": 1}


# -- site files ----------------------------------------------------------------------


def test_crawl_all_crawls_the_valid_sites_and_exits_2_for_an_invalid_file(
    tmp_path: Path, slow_site: SlowSite
) -> None:
    sites, data = tmp_path / "sites", tmp_path / "data"
    write_site(sites, "fast", f"{slow_site.url}/fast/", "0 0 1 1 *")
    (sites / "broken.yaml").write_text("name: broken\nstart_urls: [not-a-url]\n", encoding="utf-8")
    env = {"CLUEWATCH_DATA_DIR": str(data), "CLUEWATCH_SITES_DIR": str(sites)}
    result = run_cli(["crawl", "--all"], cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr[-3000:]
    assert "E002" in result.stderr and "broken.yaml" in result.stderr
    assert "fast: 1 pages" in result.stdout  # the valid site was still crawled
    assert runs_of(data, "fast")[0].status == "finished"
    # Naming only the valid site: the other file is reported, the crawl is not failed.
    named = run_cli(["crawl", "fast"], cwd=tmp_path, env=env, timeout=120)
    assert named.returncode == 0, named.stderr[-3000:]
    assert "broken.yaml" in named.stderr


def test_two_site_files_with_one_name_are_both_invalid(tmp_path: Path) -> None:
    sites, data = tmp_path / "sites", tmp_path / "data"
    write_site(sites, "twice", "http://127.0.0.1:9/", "0 0 1 1 *")
    (sites / "copy.yaml").write_bytes((sites / "twice.yaml").read_bytes())
    env = {"CLUEWATCH_DATA_DIR": str(data), "CLUEWATCH_SITES_DIR": str(sites)}
    result = run_cli(["crawl", "twice"], cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    (problem,) = [line for line in result.stderr.splitlines() if "E002" in line]
    assert str(sites / "copy.yaml") in problem and str(sites / "twice.yaml") in problem
    assert "'twice' is the name of 2 site files" in problem
    assert "no valid site file for twice" in result.stderr
    assert not (data / "cluewatch.db").exists()  # nothing was crawled


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_crawl_all_without_site_files_names_the_directory_and_exits_2(
    tmp_path: Path, state: str
) -> None:
    sites = tmp_path / "sites"
    if state == "empty":
        sites.mkdir()
    env = {"CLUEWATCH_DATA_DIR": str(tmp_path / "data"), "CLUEWATCH_SITES_DIR": str(sites)}
    for args in (["crawl", "--all"], ["schedule", "--once"]):
        result = run_cli(args, cwd=tmp_path, env=env)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "E001" in result.stderr and str(sites) in result.stderr
        assert "Traceback" not in result.stderr


# -- the rules, one by one -------------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "errors", "reason", "expected"),
    [
        (3, {"http_404": 1}, "finished", ("finished", {})),
        (0, {}, "finished", ("finished", {})),  # nothing to fetch is not a failure
        (0, {"connection": 2}, "finished", ("failed", {"no_pages": 1})),
        (5, {}, "shutdown", ("failed", {"interrupted": 1})),
        (0, {"connection": 9}, "unreachable", ("failed", {"unreachable": 1})),
    ],
)
def test_run_outcome(
    pages: int, errors: dict[str, int], reason: str, expected: tuple[str, dict[str, int]]
) -> None:
    from crawler.runs import run_outcome

    assert run_outcome(pages=pages, errors=errors, reason=reason) == expected


def test_connection_failures_are_named_for_people() -> None:
    from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
    from twisted.internet.error import DNSLookupError, NoRouteError, TimeoutError

    from crawler.middlewares import connect_failure
    from crawler.spiders.config_spider import error_kind

    assert connect_failure(DownloadConnectionRefusedError("refused")) == "connection refused"
    assert connect_failure(CannotResolveHostError("x.invalid")) == "name not resolved"
    assert connect_failure(DNSLookupError("x.invalid")) == "name not resolved"
    assert connect_failure(NoRouteError()) == "no route to host"
    # A host that accepted the connection and answered slowly was reached.
    assert connect_failure(TimeoutError()) is None
    assert error_kind(CannotResolveHostError("x.invalid")) == "dns"
