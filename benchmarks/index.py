"""The SQLite store at a million posts, against plain indexed SQLite of the same shape.

Posts are drawn from the project's corpus as a crawl stream (mostly ordinary
chatter, hard negatives, a few clues), spread over 90 days and 30 sites; 12%
are flagged; a quarter carry a contact from a pool that makes actors of a few
posts each. The same rows go into a plain table with three ordinary indexes
(no search, no actors, no clusters, no audit), the baseline every figure is
compared with, in the same run:

- bulk insert (posts/s, batches of 1,000): the store's whole write path against
  `executemany` into the plain table;
- queue page latency p50/p95 for five filter + sort combinations, first pages
  and the page after (cursor), against the same filter on the plain table;
- full-text search p50/p95 (two to four character words drawn from the posts,
  in the open queue and in the whole register) against `LIKE '%word%'`;
- actor lookup p95 (summary and timeline) against an indexed contact lookup;
- database size.

    python -m benchmarks.index [--posts 1000000] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import stream, table
from cluewatch.runtime import settle_heap
from cluewatch.taxonomy import CATEGORIES
from index.models import (
    ClueState,
    Entity,
    Match,
    Post,
    QueueFilter,
    ScoredPost,
    Scores,
    Verdict,
    VerdictKind,
    content_hash,
    post_id_for,
)
from index.sqlite import SQLiteStore

BATCH = 1_000
T0 = datetime(2026, 8, 1, tzinfo=UTC)
DAYS = 90
SITES = [f"site-{n:02d}" for n in range(30)]
TERMS = ["代孕", "送养", "营养费", "包成功", "供卵", "出生证", "高薪", "肾源", "越南新娘", "抱养"]
TARGETS = {"insert": 5_000.0, "queue_p95_ms": 50.0, "search_p95_ms": 300.0}
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def _page_hash(url: str) -> str:
    """The evidence hash the crawler gives a post: its page body's SHA-256 (one page
    per post here)."""
    return hashlib.sha256(url.encode()).hexdigest()


def _posts(n: int, *, total: int, offset: int = 0, seed: int = 20261123) -> list[ScoredPost]:
    """Posts `offset` to `offset + n` of a stream of `total`."""
    texts = stream(n * 90, seed=seed + offset)
    rng = random.Random(seed)
    phones = [
        f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
        for _ in range(max(total // 20, 10))
    ]
    rng = random.Random(seed + offset)
    posts: list[ScoredPost] = []
    for i in range(offset, offset + n):
        text = texts[(i - offset) % len(texts)]
        if rng.random() < 0.7:
            text = f"{text} #{rng.randint(0, 10**6)}"
        site = SITES[int(rng.random() ** 2 * len(SITES))]
        url = f"http://{site}.example/t/{i}"
        flagged = rng.random() < 0.12
        score = round(rng.uniform(0.5, 1.0) if flagged else rng.uniform(0.0, 0.5), 4)
        label = rng.choice(CATEGORIES) if flagged else "benign"
        categories = {c: 0.01 for c in CATEGORIES}
        if flagged:
            categories[label] = score
        matches, entities = [], []
        if flagged and rng.random() < 0.6:
            term = rng.choice(TERMS)
            text = f"{term} {text}"
            matches.append(
                Match.model_construct(
                    term=term, category=label, weight="strong", surface=term,
                    start=0, end=len(term), technique="plain",
                )
            )  # fmt: skip
        if rng.random() < 0.25:
            phone = rng.choice(phones)
            start = len(text) + 4
            text = f"{text} 电话 {phone}"
            entities.append(
                Entity.model_construct(kind="phone", value=phone, start=start, end=start + 11)
            )
        captured = T0 + timedelta(seconds=DAYS * 86_400 * i / total + rng.random())
        post = Post.model_construct(
            id=post_id_for(site, url), site=site, url=url, kind="thread", thread_id=None,
            title="", text=text, author=None, published_at=None, captured_at=captured,
            content_hash=content_hash("", text), raw_hash=_page_hash(url), extra={},
        )  # fmt: skip
        scores = Scores.model_construct(
            score=score, label=label, flagged=flagged, categories=categories,
            model_categories={}, matches=matches, entities=entities,
            model_version="bench", lexicon_version="bench",
        )  # fmt: skip
        posts.append(
            ScoredPost.model_construct(
                post=post, scores=scores, state=ClueState.UNFLAGGED, version=1,
                updated_at=captured, assignee=None, first_seen_at=None, cluster_id=None,
                actor_id=None,
            )
        )  # fmt: skip
    return posts


PLAIN_SCHEMA = """
CREATE TABLE plain (
    id TEXT PRIMARY KEY, site TEXT, url TEXT, title TEXT, text TEXT, captured_at TEXT,
    score REAL, label TEXT, state TEXT, assignee TEXT, contact TEXT, matches TEXT,
    entities TEXT, categories TEXT
);
CREATE INDEX plain_state_score ON plain (state, score DESC, id);
CREATE INDEX plain_label ON plain (label, state, score DESC);
CREATE INDEX plain_site_time ON plain (site, state, captured_at DESC);
CREATE INDEX plain_contact ON plain (contact);
"""


def _plain_rows(posts: list[ScoredPost]) -> list[tuple[Any, ...]]:
    import orjson

    return [
        (
            sp.post.id,
            sp.post.site,
            sp.post.url,
            sp.post.title,
            sp.post.text,
            sp.post.captured_at.isoformat(),
            sp.scores.score,
            sp.scores.label,
            "registered" if sp.scores.flagged else "unflagged",
            None,
            sp.scores.entities[0].value if sp.scores.entities else None,
            orjson.dumps([m.model_dump() for m in sp.scores.matches]).decode(),
            orjson.dumps([e.model_dump() for e in sp.scores.entities]).decode(),
            orjson.dumps(sp.scores.categories).decode(),
        )
        for sp in posts
    ]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument(
        "--dir", type=Path, default=None, help="where the files go (default: a temp dir)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the files")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per kind")
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="cluewatch-bench-index-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    try:
        _run(args, workdir, rng)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, workdir: Path, rng: random.Random) -> None:
    n = args.posts
    print(f"index benchmark: {n:,} posts in {workdir}")
    store_path = workdir / "store.db"
    plain_path = workdir / "plain.db"
    store = SQLiteStore(store_path)
    plain = sqlite3.connect(plain_path, isolation_level=None)
    plain.execute("PRAGMA journal_mode=WAL")
    plain.execute("PRAGMA synchronous=NORMAL")
    plain.executescript(PLAIN_SCHEMA)

    store_seconds = plain_seconds = 0.0
    last_tenth = 0.0
    chunk = 50_000
    sample_texts: list[str] = []
    actor_phones: list[str] = []
    for start in range(0, n, chunk):
        posts = _posts(min(chunk, n - start), total=n, offset=start)
        # The generated input lives through the chunk; out of the collector's sight (as
        # a crawl process's start-up state is), full collections do not walk it.
        settle_heap()
        sample_texts += [sp.post.text for sp in posts[:200]]
        actor_phones += [sp.scores.entities[0].value for sp in posts[:2000] if sp.scores.entities]
        rows = _plain_rows(posts)
        for i in range(0, len(posts), BATCH):
            seconds = _timed(lambda i=i, posts=posts: store.write_posts(posts[i : i + BATCH]))
            store_seconds += seconds
            if start + i >= n * 0.9:
                last_tenth += seconds

            def plain_batch(i: int = i, rows: list[tuple[Any, ...]] = rows) -> None:
                plain.execute("BEGIN IMMEDIATE")
                plain.executemany(
                    f"INSERT INTO plain VALUES ({','.join('?' * 14)})", rows[i : i + BATCH]
                )
                plain.execute("COMMIT")

            plain_seconds += _timed(plain_batch)
        done = start + len(posts)
        print(
            f"  {done:>9,} posts  store {done / store_seconds:,.0f}/s  plain {done / plain_seconds:,.0f}/s",
            flush=True,
        )

    insert_rate = n / store_seconds
    plain_rate = n / plain_seconds
    tail_rate = (n - int(n * 0.9)) / last_tenth if last_tenth else insert_rate

    # Analysts at work: verdicts and claims on some flagged posts.
    flagged = store.queue(QueueFilter(limit=500)).items
    for sp in flagged[:300]:
        kind = rng.choice([VerdictKind.CONFIRM, VerdictKind.DISMISS, VerdictKind.ESCALATE])
        store.record_verdict(
            Verdict(post_id=sp.post.id, kind=kind, analyst=rng.choice(["alice", "bob"]))
        )
    for sp in flagged[300:400]:
        store.assign(sp.post.id, "alice", by="alice")
    plain.execute("ANALYZE")

    day = lambda: T0 + timedelta(days=rng.randint(0, DAYS - 7))  # noqa: E731

    def q_default() -> QueueFilter:
        return QueueFilter()

    def b_default() -> tuple[str, list[Any]]:
        return "state = 'registered' ORDER BY score DESC, id", []

    category = rng.choice(CATEGORIES)

    def q_category() -> QueueFilter:
        return QueueFilter(category=category)

    def b_category() -> tuple[str, list[Any]]:
        return "label = ? AND state = 'registered' ORDER BY score DESC", [category]

    def q_site_time() -> QueueFilter:
        return QueueFilter(site=rng.choice(SITES[:10]), sort="time")

    def b_site_time() -> tuple[str, list[Any]]:
        return "site = ? AND state = 'registered' ORDER BY captured_at DESC", [
            rng.choice(SITES[:10])
        ]

    def q_range() -> QueueFilter:
        since = day()
        return QueueFilter(
            min_score=0.7, max_score=0.9, since=since, until=since + timedelta(days=7)
        )

    def b_range() -> tuple[str, list[Any]]:
        since = day()
        return (
            "state = 'registered' AND score BETWEEN 0.7 AND 0.9 AND captured_at >= ? "
            "AND captured_at < ? ORDER BY score DESC",
            [since.isoformat(), (since + timedelta(days=7)).isoformat()],
        )

    def q_term() -> QueueFilter:
        return QueueFilter(term=rng.choice(TERMS), category=rng.choice(CATEGORIES))

    def b_term() -> tuple[str, list[Any]]:
        return (
            "state = 'registered' AND label = ? AND matches LIKE ? ORDER BY score DESC",
            [rng.choice(CATEGORIES), f'%"term":"{rng.choice(TERMS)}"%'],
        )

    queries: list[tuple[str, Callable[[], QueueFilter], Callable[[], tuple[str, list[Any]]]]] = [
        ("open queue by score", q_default, b_default),
        ("category by score", q_category, b_category),
        ("site by time", q_site_time, b_site_time),
        ("score + date range", q_range, b_range),
        ("term + category", q_term, b_term),
    ]
    rows_out: list[tuple[str, ...]] = []
    worst_queue = 0.0
    for name, make, baseline in queries:
        first, second, base = [], [], []
        for _ in range(args.queries):
            flt = make()
            page = None

            def run(flt: QueueFilter = flt) -> None:
                nonlocal page
                page = store.queue(flt)

            first.append(_timed(run))
            if page is not None and page.next_cursor:
                cursor = page.next_cursor
                second.append(
                    _timed(
                        lambda flt=flt, cursor=cursor: store.queue(
                            flt.model_copy(update={"cursor": cursor})
                        )
                    )
                )
            where, params = baseline()
            base.append(
                _timed(
                    lambda where=where, params=params: plain.execute(
                        f"SELECT * FROM plain WHERE {where} LIMIT 50", params
                    ).fetchall()
                )
            )
        p50, p95 = _percentiles(first)
        _, n95 = _percentiles(second) if second else (0.0, 0.0)
        b50, b95 = _percentiles(base)
        worst_queue = max(worst_queue, p95, n95)
        rows_out.append(
            (name, f"{p50:.1f}", f"{p95:.1f}", f"{n95:.1f}", f"{b50:.1f}", f"{b95:.1f}")
        )
    print()
    print("queue page, 50 posts (ms)")
    print(
        table(rows_out, ("filter + sort", "p50", "p95", "next page p95", "plain p50", "plain p95"))
    )

    words = []
    for text in rng.sample(sample_texts, min(len(sample_texts), args.queries * 3)):
        runs = _HAN_RUN.findall(text)
        if runs:
            run_text = rng.choice(runs)
            size = rng.choice([2, 2, 3, 4])
            begin = rng.randint(0, max(0, len(run_text) - size))
            words.append(run_text[begin : begin + size])
    words = words[: args.queries]
    search_rows = []
    worst_search = 0.0
    for scope, states in (("open queue", None), ("whole register", list(ClueState))):
        samples, base, hits = [], [], 0
        for word in words:
            flt = QueueFilter(q=word, **({"states": states} if states else {}))
            page = None

            def run(flt: QueueFilter = flt) -> None:
                nonlocal page
                page = store.queue(flt)

            samples.append(_timed(run))
            hits += bool(page and page.items)
            state_sql = "state = 'registered' AND " if states is None else ""
            base.append(
                _timed(
                    lambda word=word, state_sql=state_sql: plain.execute(
                        f"SELECT * FROM plain WHERE {state_sql}text LIKE ? ORDER BY score DESC LIMIT 50",
                        [f"%{word}%"],
                    ).fetchall()
                )
            )
        p50, p95 = _percentiles(samples)
        b50, b95 = _percentiles(base)
        worst_search = max(worst_search, p95)
        search_rows.append(
            (
                scope,
                str(len(words)),
                str(hits),
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{b50:.1f}",
                f"{b95:.1f}",
            )
        )
    print()
    print("full-text search with highlights, first page (ms)")
    print(
        table(search_rows, ("scope", "queries", "with hits", "p50", "p95", "LIKE p50", "LIKE p95"))
    )

    actor_ids = []
    for phone in rng.sample(actor_phones, min(len(actor_phones), args.queries)):
        page = store.queue(QueueFilter(entity=phone, states=list(ClueState), limit=1))
        if page.items and page.items[0].actor_id:
            actor_ids.append((page.items[0].actor_id, phone))
    lookups, base = [], []
    for actor_id, phone in actor_ids:
        lookups.append(_timed(lambda a=actor_id: (store.actor(a), store.actor_posts(a, limit=100))))
        base.append(
            _timed(
                lambda p=phone: plain.execute(
                    "SELECT * FROM plain WHERE contact = ?", [p]
                ).fetchall()
            )
        )
    a50, a95 = _percentiles(lookups)
    b50, b95 = _percentiles(base)
    store.close()
    plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    plain.close()
    sqlite3.connect(store_path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    store_mb, plain_mb = _size(store_path) / 1e6, _size(plain_path) / 1e6

    print()
    print(
        table(
            [
                (
                    "bulk insert (posts/s)",
                    f"{insert_rate:,.0f}",
                    f"{plain_rate:,.0f}",
                    f"≥ {TARGETS['insert']:,.0f}",
                ),
                ("  last 10% of posts", f"{tail_rate:,.0f}", "", ""),
                (
                    "queue page p95, worst of 5 (ms)",
                    f"{worst_queue:.1f}",
                    "",
                    f"≤ {TARGETS['queue_p95_ms']:.0f}",
                ),
                (
                    "search p95, worst scope (ms)",
                    f"{worst_search:.1f}",
                    "",
                    f"≤ {TARGETS['search_p95_ms']:.0f}",
                ),
                (
                    f"actor lookup p50/p95 ({len(lookups)} actors, ms)",
                    f"{a50:.1f} / {a95:.1f}",
                    f"{b50:.1f} / {b95:.1f}",
                    "",
                ),
                ("database size (MB)", f"{store_mb:,.0f}", f"{plain_mb:,.0f}", ""),
            ],
            ("figure", "store", "plain SQLite", "target"),
        )
    )


if __name__ == "__main__":
    main()
