"""Writing a file whole or not at all: a temporary file beside it, renamed over it.

A leaf module: it imports nothing from the project.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, Literal, overload

# Tries at a free temporary name (each name has 32 random bits).
_ATTEMPTS = 100


@overload
def replace_atomically(
    target: Path, *, binary: Literal[False] = False, mode: int | None = None, fsync: bool = True
) -> AbstractContextManager[IO[str]]: ...
@overload
def replace_atomically(
    target: Path, *, binary: Literal[True], mode: int | None = None, fsync: bool = True
) -> AbstractContextManager[IO[bytes]]: ...
@overload
def replace_atomically(
    target: Path, *, binary: bool, mode: int | None = None, fsync: bool = True
) -> AbstractContextManager[IO[Any]]: ...


@contextmanager
def replace_atomically(
    target: Path, *, binary: bool = False, mode: int | None = None, fsync: bool = True
) -> Iterator[IO[Any]]:
    """Yield a new file open beside `target` (text in UTF-8, or binary); its `name` is
    the temporary file's path, hidden and unique in `target`'s directory.

    On normal exit the file is flushed, fsynced (unless `fsync=False`), closed and
    renamed onto `target`. On an exception, in the block or in the rename, the
    temporary file is removed and the exception re-raised: `target` is left as it
    was. `mode` sets the file's permissions exactly (the umask does not apply);
    without it the file gets what `open` gives a new file (0o666 less the umask).

    A temporary file that cannot be created (a missing directory, no permission)
    raises the `OSError` with the directory as its `filename`.
    """
    handle = _create(Path(target), binary=binary, restricted=mode is not None)
    temporary = Path(handle.name)
    try:
        with handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            yield handle
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _create(target: Path, *, binary: bool, restricted: bool) -> IO[Any]:
    # Owner-only until an explicit mode is set, so that nobody else can open it meanwhile.
    permissions = 0o600 if restricted else 0o666

    def opener(path: str, flags: int) -> int:
        return os.open(path, flags, permissions)

    for _ in range(_ATTEMPTS):
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            if binary:
                return open(temporary, "xb", opener=opener)
            return open(temporary, "x", encoding="utf-8", opener=opener)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(target.parent)) from exc
    raise FileExistsError(f"no free temporary name for {target} after {_ATTEMPTS} tries")
