"""Process-level settings for the long-running commands."""

from __future__ import annotations

import ctypes
import gc

# mallopt(3) parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def settle_heap() -> None:
    """Move everything loaded at start-up out of the garbage collector's sight.

    The lexicon automata, term tables and model weights live for the whole
    process; without this, every full collection walks them again while a
    batch allocates its matches (measured: about 15% of lexicon throughput).
    Call once after loading, before the work loop (CPython's `gc.freeze`).
    """
    gc.collect()
    gc.freeze()


def steady_malloc(*, mmap_threshold: int, trim_threshold: int) -> bool:
    """Fix glibc malloc's mmap and trim thresholds (bytes) for the rest of the process.

    By default glibc raises both as the process frees large blocks (up to 32 MiB
    and 64 MiB): the model's batch buffers then come from the heaps, and each
    heap keeps up to 64 MiB of freed memory instead of returning it, more as the
    blocks of a long run interleave. Fixed thresholds keep blocks of
    `mmap_threshold` or more out of the heaps (returned when freed) and give
    back a heap's free top beyond `trim_threshold`. Whether it was applied:
    False where the C library has no `mallopt` (not glibc); there is nothing
    to do then.
    """
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(
        mallopt(_M_MMAP_THRESHOLD, mmap_threshold) and mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    )
