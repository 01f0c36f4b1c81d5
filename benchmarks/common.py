"""Shared helpers: the realistic text stream, timing and memory figures."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "classifier" / "data" / "corpus"


def corpus_texts() -> dict[str, list[str]]:
    """Corpus texts grouped as clue, hard_negative and ordinary."""
    groups: dict[str, list[str]] = {"clue": [], "hard_negative": [], "ordinary": []}
    for path in sorted(CORPUS.rglob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                text = f"{record.get('title') or ''}\n{record['text']}".strip()
                if record["labels"]:
                    groups["clue"].append(text)
                elif record.get("negative_kind") == "ordinary":
                    groups["ordinary"].append(text)
                else:
                    groups["hard_negative"].append(text)
    return groups


def stream(
    min_chars: int, *, ordinary: float = 0.85, clue: float = 0.05, seed: int = 20261123
) -> list[str]:
    """A crawl-like stream of posts: mostly ordinary chatter, some hard negatives, a few clues.

    Posts are drawn from the project's corpus with a fixed seed until the
    stream holds `min_chars` characters.
    """
    groups = corpus_texts()
    rng = random.Random(seed)
    posts: list[str] = []
    total = 0
    while total < min_chars:
        roll = rng.random()
        group = (
            "ordinary" if roll < ordinary else "clue" if roll < ordinary + clue else "hard_negative"
        )
        text = rng.choice(groups[group])
        posts.append(text)
        total += len(text)
    return posts


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """Fastest wall time of `runs` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def memory_status(pid: int | None = None) -> dict[str, int]:
    """VmRSS, RssAnon (heap and other private memory) and RssFile (mapped files, such as
    SQLite's memory-mapped database) of process `pid` (default: this one) in bytes, Linux;
    empty once the process is gone."""
    try:
        handle = open(f"/proc/{pid or os.getpid()}/status", encoding="ascii")  # noqa: SIM115
    except FileNotFoundError:
        return {}
    figures = {}
    with handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                figures[key] = int(value.split()[0]) * 1024
    return figures


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size of process `pid` (default: this one) now, Linux; 0 once it is gone."""
    return memory_status(pid).get("VmRSS", 0)


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
