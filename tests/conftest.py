"""Shared fixtures: the sandbox web on a free port, subprocess helpers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluewatch.errors import CrawlError
from crawler.sandbox.redis_server import local_redis
from crawler.sandbox.server import Sandbox

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(port=0) as running:
        yield running


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server (Debian package, installed by `make setup`) on a free port."""
    try:
        with local_redis(tmp_path_factory.mktemp("redis")) as url:
            yield url
    except CrawlError as exc:
        pytest.fail(str(exc))


CLUEWATCH = str(Path(sys.executable).parent / "cluewatch")


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without the developer's CLUEWATCH_* settings, plus `env`."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CLUEWATCH_")} | (env or {})


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_cli(
    args: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    capture: bool = True,
    stdin_pipe: bool = False,
) -> subprocess.Popen[str]:
    """Start the installed `cluewatch` command in the background, as a user would.

    SIGINT starts at its default, as at a terminal: a suite started as a background job
    without job control runs with SIGINT ignored, and a command rightly keeps it ignored."""
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [CLUEWATCH, *args],
        cwd=cwd,
        env=cli_env(env),
        stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        text=True,
        preexec_fn=_sigint_default,
    )


def run_cli(
    args: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run the installed `cluewatch` command as a user would, in `cwd`."""
    command = [CLUEWATCH, *args]
    full_env = cli_env(env)
    return subprocess.run(
        command,
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
