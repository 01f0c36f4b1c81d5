"""The crawling commands' own errors: one clear line, the right exit status, no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import REPO, run_cli


def test_sandbox_serve_on_a_busy_port_names_the_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(["sandbox", "serve", "--port", str(port)], cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: E080: cannot serve the sandbox on 127.0.0.1:")
    assert f":{port} (--port)" in line and "choose another --port" in line


def test_crawl_with_an_unknown_log_level_lists_the_levels(tmp_path: Path) -> None:
    env = {"CLUEWATCH_DATA_DIR": str(tmp_path / "data")}
    result = run_cli(["crawl", "--log-level", "BOGUS", "sandbox-qa"], cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "ValueError" not in result.stderr
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "'BOGUS' is not a log level; use one of CRITICAL, ERROR, WARNING, INFO, DEBUG" in text
    assert not (tmp_path / "data").exists()  # nothing was crawled


def test_runs_of_an_unknown_site_says_so(tmp_path: Path) -> None:
    env = {"CLUEWATCH_DATA_DIR": str(tmp_path / "data")}
    unknown = run_cli(["runs", "--site", "nope"], cwd=tmp_path, env=env)
    assert unknown.returncode == 2, unknown.stdout + unknown.stderr
    assert "no site named 'nope'" in unknown.stderr
    assert str(REPO / "crawler" / "sites") in unknown.stderr
    # A site that exists but has not been crawled yet is no error.
    known = run_cli(["runs", "--site", "sandbox-qa"], cwd=tmp_path, env=env)
    assert known.returncode == 0, known.stderr
    assert known.stdout.strip() == "no crawl runs recorded for sandbox-qa"
