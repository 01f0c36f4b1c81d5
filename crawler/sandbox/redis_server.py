"""A throwaway `redis-server` on a free loopback port, for tests, benchmarks and demos."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cluewatch.errors import CrawlError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def local_redis(workdir: Path, *, start_timeout: float = 10.0) -> Iterator[str]:
    """Run redis-server (no persistence) in `workdir` for the block; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise CrawlError(
            "redis-server is not installed: run `make setup` (it installs the Debian package)"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(workdir)]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + start_timeout
        while not _pong(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise CrawlError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)
