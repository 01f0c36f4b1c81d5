"""Clue bundles: time and peak memory of approving (building, signing) a bundle of
N clues with evidence, against plain zipping of the same evidence files, in the
same run, for several N, to show that memory stays flat as clues grow.

Each clue has a captured page of about 40 KB (corpus text in an HTML page)
with its WARC record and capture record, as the crawler stores them. Every
measurement runs in a fresh child process; peak memory is the child's peak
resident set during the step alone (Linux `clear_refs` resets it first).
Screenshots are off for the timed runs (they cost about one Chromium start
per page); one small run measures them separately when Chromium is installed.

    python -m benchmarks.bundles [--clues 250,1000] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import memory_status, stream, table
from cluewatch.settings import Settings
from cluewatch.taxonomy import CATEGORIES
from index.evidence import EvidenceStore
from index.models import (
    Entity,
    Post,
    ScoredPost,
    Scores,
    Verdict,
    VerdictKind,
    content_hash,
    post_id_for,
)
from index.sqlite import SQLiteStore

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PAGE_CHARS = 13_000  # about 40 KB of UTF-8 per captured page
LIAISON, SUPERVISOR = "bench_liaison", "bench_supervisor"


def seed(data_dir: Path, clues: int, rng: random.Random) -> list[str]:
    """`clues` confirmed posts with captured pages in a fresh data directory."""
    from review_app.auth import add_user

    settings = Settings(data_dir=data_dir)
    store = SQLiteStore(settings.store_path)
    add_user(store, LIAISON, "bench-password-1", "liaison")
    add_user(store, SUPERVISOR, "bench-password-2", "supervisor")
    evidence = EvidenceStore(settings.evidence_dir)
    texts = stream(clues * 400)
    posts = []
    for n in range(clues):
        text = texts[n % len(texts)][:400] + f" 加微信 fake_wx_{n:05d}"
        filler = "".join(rng.choice(texts) for _ in range(60))[:PAGE_CHARS]
        body = f"<!DOCTYPE html><html><body><h1>帖子 {n}</h1><p>{text}</p><div>{filler}</div></body></html>"
        url = f"http://127.0.0.1/bench/thread/{n}"
        raw = evidence.put_capture(
            url=url,
            status=200,
            headers=[("Content-Type", "text/html; charset=utf-8")],
            body=body.encode(),
            captured_at=T0 + timedelta(minutes=n),
            meta={"site": "bench", "spider": "config:bench", "method": "GET"},
        )
        value = f"fake_wx_{n:05d}"
        start = len(text) - len(value)
        categories = {c: 0.01 for c in CATEGORIES}
        categories["surrogacy"] = 0.9
        posts.append(
            ScoredPost(
                post=Post(
                    id=post_id_for("bench", url),
                    site="bench",
                    url=url,
                    title="",
                    text=text,
                    captured_at=T0 + timedelta(minutes=n),
                    content_hash=content_hash("", text),
                    raw_hash=raw,
                ),
                scores=Scores(
                    score=0.9,
                    label="surrogacy",
                    flagged=True,
                    categories=categories,
                    entities=[Entity(kind="wechat", value=value, start=start, end=len(text))],
                    model_version="bench-model",
                    lexicon_version="bench-lexicon",
                ),
            )
        )
    store.write_posts(posts)
    for sp in posts:
        store.record_verdict(
            Verdict(post_id=sp.post.id, kind=VerdictKind.CONFIRM, analyst="bench_analyst")
        )
    store.close()
    return [sp.post.id for sp in posts]


def child(step: str, data_dir: Path, screenshots: bool, trace: bool = False) -> dict[str, Any]:
    """One measured step in this (fresh) process: `approve` or `zip` (the baseline).
    With `trace`, also the peak of Python's own allocations (tracemalloc; slower),
    which leaves out SQLite's page cache (up to 128 MiB per connection, filled by
    whatever the step reads)."""
    from review_app.bundles.service import Bundles, parse_filter

    settings = Settings(data_dir=data_dir, bundle_screenshots=screenshots)
    store = SQLiteStore(settings.store_path)
    before = memory_status()["VmRSS"]
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak to now
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    if step == "approve":
        bundles = Bundles(store=store, settings=settings)
        liaison, supervisor = store.get_user(LIAISON), store.get_user(SUPERVISOR)
        assert liaison is not None and supervisor is not None
        record = bundles.prepare(by=liaison, flt=parse_filter("site=bench"))
        record = bundles.approve(record.id, by=supervisor)
        size = int(record.meta["size"])
    else:
        out = data_dir / "plain.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(settings.evidence_dir.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(settings.evidence_dir).as_posix())
        size = out.stat().st_size
    seconds = time.perf_counter() - started
    peak = _peak()
    heap = tracemalloc.get_traced_memory()[1] if trace else 0
    return {
        "seconds": seconds,
        "peak_mib": peak / 2**20,
        "added_mib": (peak - before) / 2**20,
        "heap_mib": heap / 2**20,
        "size": size,
    }


def _peak() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _run_child(
    step: str, data_dir: Path, *, screenshots: bool = False, trace: bool = False
) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bundles", "--child", step, "--dir", str(data_dir)]
        + (["--screenshots"] if screenshots else [])
        + (["--trace"] if trace else []),
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clues", default="250,1000", help="comma-separated clue counts")
    parser.add_argument("--dir", type=Path, default=None, help="working directory")
    parser.add_argument("--keep", action="store_true", help="keep the files")
    parser.add_argument("--child", choices=["approve", "zip"], help=argparse.SUPPRESS)
    parser.add_argument("--screenshots", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.child:
        print(json.dumps(child(args.child, args.dir, args.screenshots, args.trace)))
        return
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="cluewatch-bench-bundles-"))
    try:
        _run([int(c) for c in args.clues.split(",")], workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(counts: list[int], workdir: Path) -> None:
    rows = []
    for count in counts:
        data_dir = workdir / f"clues-{count}"
        seed(data_dir, count, random.Random(count))
        plain = _run_child("zip", data_dir)
        plain["heap_mib"] = _run_child("zip", data_dir, trace=True)["heap_mib"]
        traced = workdir / f"clues-{count}-traced"
        shutil.copytree(data_dir, traced)  # the same start for the traced approval
        bundle = _run_child("approve", data_dir)
        bundle["heap_mib"] = _run_child("approve", traced, trace=True)["heap_mib"]
        for name, figures in (("plain zip of the evidence", plain), ("bundle (approve)", bundle)):
            rows.append(
                (
                    str(count),
                    name,
                    f"{figures['seconds']:.2f}",
                    f"{count / figures['seconds']:.0f}",
                    f"{figures['peak_mib']:.0f}",
                    f"{figures['added_mib']:.1f}",
                    f"{figures['heap_mib']:.1f}",
                    f"{figures['size'] / 2**20:.1f}",
                )
            )
    print("clue bundles, screenshots off (one child process per row)")
    print(
        table(
            rows,
            (
                "clues",
                "run",
                "seconds",
                "clues/s",
                "peak RSS MiB",
                "added MiB",
                "Python heap peak MiB",
                "ZIP MiB",
            ),
        )
    )
    if shutil.which("chromium"):
        data_dir = workdir / "screenshots"
        seed(data_dir, 5, random.Random(5))
        shots = _run_child("approve", data_dir, screenshots=True)
        print(f"with Chromium screenshots: 5 clues in {shots['seconds']:.1f} s "
              f"({shots['seconds'] / 5:.1f} s per page)")  # fmt: skip


if __name__ == "__main__":
    main()
