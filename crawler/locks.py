"""One crawl per site at a time: an exclusive, non-blocking lock file per site.

The lock is `fcntl.flock` on `DATA_DIR/locks/{site}.lock`; the holder writes
its pid into the file so a refused caller can say who holds it. The kernel
drops a flock when its holder's last descriptor closes, so a crashed or
SIGKILLed crawl never leaves a stale lock behind: the file stays, the lock
does not. The lock guards one machine (one data directory); it does not
reach other hosts sharing an Elasticsearch store.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cluewatch.errors import CrawlError

# The exit status of `cluewatch crawl` when a site was skipped because its lock is held.
LOCKED_EXIT_STATUS = 3
# The exit status of `cluewatch crawl --join` when no crawl of its sites is in progress.
NOTHING_TO_JOIN_EXIT_STATUS = 4


class SiteLocked(CrawlError):
    """Another process is crawling the site; the message names the site and the holder's pid."""

    code = "E081"

    def __init__(self, site: str, pid: int | None, path: Path) -> None:
        holder = f"pid {pid}" if pid is not None else "another process"
        super().__init__(
            f"site {site!r} is being crawled by {holder} (lock {path}); "
            "wait for that run to finish, or stop it, and try again"
        )
        self.site = site
        self.pid = pid


def locks_dir(data_dir: Path) -> Path:
    return data_dir / "locks"


def lock_path(directory: Path, site: str) -> Path:
    return directory / f"{site}.lock"


def _read_pid(fd: int) -> int | None:
    raw = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    # Empty between the holder's flock and its write; a pid otherwise.
    return int(raw) if raw.isdigit() else None


@contextmanager
def site_lock(directory: Path, site: str) -> Iterator[Path]:
    """Hold `site`'s crawl lock for the `with` block; yields the lock file's path.

    Never waits: raises `SiteLocked` (naming the holder's pid when it has
    written it) if another process holds the lock. The descriptor is not
    inherited by child processes, so only this process holds the lock.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = lock_path(directory, site)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteLocked(site, _read_pid(fd), path) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield path
        finally:
            # Cleared before unlocking, so the next holder never reads our pid as its own.
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
