"""Process-level settings for the long-running commands."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Move everything loaded at start-up out of the garbage collector's sight.

    The lexicon automata, term tables and model weights live for the whole
    process; without this, every full collection walks them again while a
    batch allocates its matches (measured: about 15% of lexicon throughput).
    Call once after loading, before the work loop (CPython's `gc.freeze`).
    """
    gc.collect()
    gc.freeze()
