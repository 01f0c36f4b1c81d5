"""SQLite backend (the embedded default): one file, WAL mode, versioned schema.

Every write runs in a `BEGIN IMMEDIATE` transaction, so the crawler and the
review app can write to one file from different processes without losing
updates; each thread gets its own connection.

Search: an FTS5 table holds character bigrams of every post (`index.text`),
contentless, so the index costs no second copy of the text; highlights are
cut from the stored text. Side tables serve the queue's term and entity
filters (`post_terms`, `post_entities`), actors (`actor_contacts`) and
near-duplicate clusters (`minhash_bands`, with new rows pending in a small
table until they are merged in key order).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from cluewatch.errors import ConflictError, LifecycleError, NotFound, StoreError
from index import cursor as cursors
from index import neardup
from index.audit import chain_problems, event_hash
from index.base import PurgeResult, User, WriteResult, export_conflict, validate_posts
from index.contacts import contact_keys, entity_key, filter_key
from index.models import (
    CONTACT_KINDS,
    OPEN_STATES,
    VERDICT_FROM,
    VERDICT_STATE,
    Actor,
    Aggregations,
    AuditEvent,
    ClueState,
    CrawlRun,
    DayCount,
    Entity,
    ExportRecord,
    Feedback,
    FeedbackOutcome,
    Highlight,
    Match,
    Post,
    QueueFilter,
    QueuePage,
    ScoredPost,
    Scores,
    Verdict,
    utc_text,
    utcnow,
)
from index.text import fts5_query, highlight, index_tokens, normalize

# Entity kinds indexed for the queue's entity filter (prices and ages are not).
FILTER_ENTITY_KINDS = CONTACT_KINDS | {"place"}
# Posts kept per band: a band shared by this many posts already leads to their
# cluster, so a spam wave of identical posts does not grow the band table.
MAX_BAND_MEMBERS = 16
_OPEN_SQL = "state IN ({})".format(",".join(f"'{s.value}'" for s in OPEN_STATES))
# Posts a scorer flagged at some time (every state but unflagged): the state index
# holds only these, and a queue that leaves out unflagged posts says so in these words.
_FLAGGED_SQL = f"state != '{ClueState.UNFLAGGED.value}'"

MIGRATIONS: list[str] = [
    # 1: posts, history, verdicts, audit, crawl runs, users
    """
    CREATE TABLE posts (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        url TEXT NOT NULL,
        kind TEXT NOT NULL,
        thread_id TEXT,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT,
        published_at TEXT,
        captured_at TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        raw_hash TEXT,
        extra TEXT NOT NULL,
        score REAL NOT NULL,
        label TEXT NOT NULL,
        flagged INTEGER NOT NULL,
        categories TEXT NOT NULL,
        model_categories TEXT NOT NULL,
        matches TEXT NOT NULL,
        entities TEXT NOT NULL,
        model_version TEXT NOT NULL,
        lexicon_version TEXT NOT NULL,
        state TEXT NOT NULL,
        assignee TEXT,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX posts_queue_score ON posts (state, score DESC, id);
    CREATE INDEX posts_queue_time ON posts (state, captured_at DESC, id);
    CREATE INDEX posts_label ON posts (label, state, score DESC);
    CREATE INDEX posts_thread ON posts (thread_id);
    CREATE TABLE post_history (
        post_id TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        raw_hash TEXT,
        captured_at TEXT NOT NULL,
        score REAL NOT NULL
    );
    CREATE INDEX post_history_post ON post_history (post_id);
    CREATE TABLE verdicts (
        id INTEGER PRIMARY KEY,
        post_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        analyst TEXT NOT NULL,
        note TEXT NOT NULL,
        categories TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX verdicts_post ON verdicts (post_id);
    CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        post_id TEXT,
        before TEXT NOT NULL,
        after TEXT NOT NULL,
        note TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_post ON audit_events (post_id);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    CREATE TABLE crawl_runs (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        started_at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX crawl_runs_site ON crawl_runs (site, started_at DESC);
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        csrf TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    """,
]


_POST_COLUMN_LIST = [
    "id", "site", "url", "kind", "thread_id", "title", "text", "author", "published_at",
    "captured_at", "first_seen_at", "content_hash", "raw_hash", "extra", "score", "label",
    "flagged", "categories", "model_categories", "matches", "entities", "model_version",
    "lexicon_version", "state", "assignee", "version", "updated_at",
]  # fmt: skip

MIGRATIONS.append(
    # 2: integer document numbers (stable under VACUUM), search, terms, entities,
    # actors, near-duplicate clusters, police feedback, exports; queue indexes.
    f"""
    CREATE TABLE posts_v2 (
        doc INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        url TEXT NOT NULL,
        kind TEXT NOT NULL,
        thread_id TEXT,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT,
        published_at TEXT,
        captured_at TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        raw_hash TEXT,
        extra TEXT NOT NULL,
        score REAL NOT NULL,
        label TEXT NOT NULL,
        flagged INTEGER NOT NULL,
        categories TEXT NOT NULL,
        model_categories TEXT NOT NULL,
        matches TEXT NOT NULL,
        entities TEXT NOT NULL,
        model_version TEXT NOT NULL,
        lexicon_version TEXT NOT NULL,
        state TEXT NOT NULL,
        assignee TEXT,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        cluster_id TEXT,
        actor_id TEXT
    );
    INSERT INTO posts_v2 ({", ".join(_POST_COLUMN_LIST)})
        SELECT {", ".join(_POST_COLUMN_LIST)} FROM posts ORDER BY rowid;
    DROP TABLE posts;
    ALTER TABLE posts_v2 RENAME TO posts;
    CREATE INDEX posts_state_score ON posts (state, score DESC, id);
    CREATE INDEX posts_open_score ON posts (score DESC, id) WHERE {_OPEN_SQL};
    CREATE INDEX posts_open_time ON posts (captured_at DESC, id) WHERE {_OPEN_SQL};
    CREATE INDEX posts_open_label ON posts (label, score DESC, id) WHERE {_OPEN_SQL};
    CREATE INDEX posts_open_site ON posts (site, score DESC, id) WHERE {_OPEN_SQL};
    CREATE INDEX posts_open_assignee ON posts (assignee, score DESC, id) WHERE {_OPEN_SQL};
    CREATE INDEX posts_thread ON posts (thread_id, captured_at);
    CREATE INDEX posts_cluster ON posts (cluster_id, captured_at);
    CREATE INDEX posts_actor ON posts (actor_id, captured_at);
    CREATE INDEX posts_first_seen ON posts (first_seen_at);
    CREATE INDEX posts_raw_hash ON posts (raw_hash);
    CREATE INDEX posts_dismissed ON posts (updated_at) WHERE state = 'dismissed';
    CREATE VIRTUAL TABLE posts_fts USING fts5(
        body, content='', columnsize=0, tokenize='unicode61 remove_diacritics 0'
    );
    CREATE TABLE post_terms (
        term TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (term, doc)
    ) WITHOUT ROWID;
    CREATE TABLE post_entities (
        key TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)
    ) WITHOUT ROWID;
    CREATE TABLE actors (id TEXT PRIMARY KEY, created_at TEXT NOT NULL);
    CREATE TABLE actor_contacts (key TEXT PRIMARY KEY, actor_id TEXT NOT NULL);
    CREATE INDEX actor_contacts_actor ON actor_contacts (actor_id);
    CREATE TABLE minhash (doc INTEGER PRIMARY KEY, sig BLOB NOT NULL);
    CREATE TABLE minhash_bands (
        band INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (band, doc)
    ) WITHOUT ROWID;
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        post_id TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reference TEXT NOT NULL,
        note TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX feedback_post ON feedback (post_id);
    CREATE TABLE exports (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX verdicts_at ON verdicts (at);
    CREATE INDEX audit_actor ON audit_events (actor, seq);
    CREATE INDEX audit_action ON audit_events (action, seq);
    """
)
# Planner statistics for the posts table as it is at a million posts (sqlite_stat1
# format: rows, then rows per distinct prefix of the index). Seeded once, so that
# the queue's plans do not depend on what an ANALYZE of a young file would say;
# a later ANALYZE by an operator replaces them with measured ones.
SEEDED_STATS: dict[str, str] = {
    "sqlite_autoindex_posts_1": "1000000 1",
    "posts_state_score": "120000 20000 2 1",
    "posts_open_score": "100000 2 1",
    "posts_open_time": "100000 2 1",
    "posts_open_label": "100000 14000 2 1",
    "posts_open_site": "100000 1000 2 1",
    "posts_open_site_time": "100000 1000 2 1",
    "posts_open_assignee": "100000 20000 2 1",
    "posts_thread": "1000000 20 2",
    "posts_actor": "1000000 5 2",
    "posts_first_seen": "1000000 2",
    "posts_dismissed": "50000 2",
    "posts_score": "1000000 2 1 1",
    "posts_time": "1000000 2 1 1",
    "posts_assignee": "20000 200 2 1",
}
MIGRATIONS.append(
    # 3: one site's open queue by time (measured at a million posts: 53 ms p95 without).
    f"""
    CREATE INDEX posts_open_site_time ON posts (site, captured_at DESC, id) WHERE {_OPEN_SQL};
    """
)
_STATE_ROWS = ", ".join(f"('{state.value}', 0)" for state in ClueState)
MIGRATIONS.append(
    # 4: posts per clue state, kept by triggers: the queue page shows them at every load,
    # and counting walked the state index (130 ms at a million posts).
    f"""
    CREATE TABLE state_counts (state TEXT PRIMARY KEY, posts INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO state_counts (state, posts) VALUES {_STATE_ROWS};
    UPDATE state_counts SET posts = (SELECT COUNT(*) FROM posts WHERE posts.state = state_counts.state);
    CREATE TRIGGER posts_state_insert AFTER INSERT ON posts BEGIN
        UPDATE state_counts SET posts = posts + 1 WHERE state = NEW.state;
    END;
    CREATE TRIGGER posts_state_delete AFTER DELETE ON posts BEGIN
        UPDATE state_counts SET posts = posts - 1 WHERE state = OLD.state;
    END;
    CREATE TRIGGER posts_state_update AFTER UPDATE OF state ON posts
    WHEN OLD.state != NEW.state BEGIN
        UPDATE state_counts SET posts = posts - 1 WHERE state = OLD.state;
        UPDATE state_counts SET posts = posts + 1 WHERE state = NEW.state;
    END;
    """
)


def _pairs_table(name: str, column: str, kind: str) -> str:
    """DDL of a side index of (key, post) rows."""
    return (
        f"CREATE TABLE {name} ({column} {kind} NOT NULL, doc INTEGER NOT NULL, "
        f"PRIMARY KEY ({column}, doc)) WITHOUT ROWID;"
    )


MIGRATIONS.append(
    # 5: near-duplicate candidates read their cluster beside the signature (joining the
    # posts table for it was half of the candidate lookup, a fifth of a bulk write at
    # 350,000 posts); band rows, cluster members, terms and entities are side indexes
    # whose new rows wait in small tables (`_PendingIndex`); the cluster index on posts
    # goes.
    f"""
    ALTER TABLE minhash ADD COLUMN cluster TEXT;
    UPDATE minhash SET cluster = (
        SELECT COALESCE(p.cluster_id, p.id) FROM posts AS p WHERE p.doc = minhash.doc
    );
    {_pairs_table("minhash_bands_new", "band", "INTEGER")}
    {_pairs_table("post_clusters", "cluster", "TEXT")}
    {_pairs_table("post_clusters_new", "cluster", "TEXT")}
    INSERT INTO post_clusters
        SELECT cluster_id, doc FROM posts WHERE cluster_id != id ORDER BY cluster_id, doc;
    DROP INDEX posts_cluster;
    {_pairs_table("post_terms_new", "term", "TEXT")}
    {_pairs_table("post_entities_new", "key", "TEXT")}
    CREATE TABLE pending_rows (name TEXT PRIMARY KEY, rows INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO pending_rows VALUES
        ('minhash_bands', 0), ('post_clusters', 0), ('post_terms', 0), ('post_entities', 0);
    """
)
MIGRATIONS.append(
    # 6: the thread and actor indexes leave out posts without a thread or an actor (most
    # posts): their entries sat in one NULL run ordered by capture time, so every new post
    # landed on a random page of it. A bulk write counts its posts per state once
    # instead of a trigger per row.
    """
    DROP INDEX posts_thread;
    CREATE INDEX posts_thread ON posts (thread_id, captured_at) WHERE thread_id IS NOT NULL;
    DROP INDEX posts_actor;
    CREATE INDEX posts_actor ON posts (actor_id, captured_at) WHERE actor_id IS NOT NULL;
    DROP TRIGGER posts_state_insert;
    """
)
MIGRATIONS.append(
    # 7: every post by score, for the whole register's queue and for searches of a
    # common word (`FREQUENT_MATCHES`): walked in score order with the matches as a
    # filter, a page of 电话 (in 27% of a million posts) took 25 ms instead of 191.
    """
    CREATE INDEX posts_score ON posts (score DESC, id);
    """
)
MIGRATIONS.append(
    # 8: fewer index pages per bulk write. Keys in no order (hashes, scores) cost a page
    # each per new post: at 310,000 posts a 1,000-post write dirtied 7,149 pages, 1,310
    # of them for the evidence hash and 1,120 for the state index. The evidence hash is
    # read only by the purge, which scans for it; the state index leaves out unflagged
    # posts (88% of a crawl), which a queue reads through `posts_score`, now with the
    # state in it so that passing over flagged posts reads no rows. Every post by time
    # (appended in capture order, nearly free) serves a queue by time over states other
    # than the open ones (321 ms for the unflagged ones at 310,000 posts, now 1.2 ms).
    # 4,968 pages. Claimed posts in any state by assignee (an analyst's past work read
    # every post: 235 ms at 310,000); new posts are unclaimed and cost it nothing.
    f"""
    DROP INDEX posts_raw_hash;
    DROP INDEX posts_state_score;
    CREATE INDEX posts_state_score ON posts (state, score DESC, id) WHERE {_FLAGGED_SQL};
    DROP INDEX posts_score;
    CREATE INDEX posts_score ON posts (score DESC, id, state);
    CREATE INDEX posts_time ON posts (captured_at DESC, id, state);
    CREATE INDEX posts_assignee ON posts (assignee, score DESC, id) WHERE assignee IS NOT NULL;
    """
)
# Work a migration needs beyond its SQL, run in the same transaction after the scripts.
BACKFILL: dict[int, str] = {
    2: "_backfill_v2",
    3: "_stats_v3",
    5: "_stats_v5",
    6: "_stats_v6",
    7: "_stats_v7",
    8: "_stats_v8",
}
# A search matching more posts than this is read in score order with the matches as a
# filter; a rarer one lists its matches first (walking the score order for a rare word
# would read most of the index).
FREQUENT_MATCHES = 10_000


class _PendingIndex:
    """A side index of (key, doc) rows whose new rows wait in a small table.

    The keys are random (MinHash bands, cluster ids): written straight into one big
    B-tree, a bulk write of 1,000 posts dirtied a page per row (3,400 of its 8,700
    pages for the bands alone at 350,000 posts), each copied into the WAL and again
    into the file. New rows go to `{name}_new`, which stays small, so a write dirties
    few pages of it; every `merge_rows` rows it is merged into `{name}` in key order,
    in the transaction of the write that fills it, walking the big table once (the
    design of PostgreSQL's GIN pending list). Lookups read both tables.
    """

    def __init__(self, name: str, column: str, merge_rows: int) -> None:
        self.name, self.column, self.merge_rows = name, column, merge_rows
        self.tables = (name, f"{name}_new")

    def add(self, conn: sqlite3.Connection, rows: list[tuple[Any, int]]) -> None:
        if not rows:
            return
        conn.executemany(f"INSERT OR IGNORE INTO {self.name}_new VALUES (?, ?)", sorted(rows))
        pending = conn.execute(
            "UPDATE pending_rows SET rows = rows + ? WHERE name = ? RETURNING rows",
            (len(rows), self.name),
        ).fetchone()[0]
        if pending >= self.merge_rows:
            conn.execute(f"INSERT OR IGNORE INTO {self.name} SELECT * FROM {self.name}_new")
            conn.execute(f"DELETE FROM {self.name}_new")
            conn.execute("UPDATE pending_rows SET rows = 0 WHERE name = ?", (self.name,))

    def remove(self, conn: sqlite3.Connection, rows: list[tuple[Any, int]]) -> None:
        for table in self.tables:
            conn.executemany(f"DELETE FROM {table} WHERE {self.column} = ? AND doc = ?", rows)

    def rows(self, keys: Sequence[Any]) -> tuple[str, list[Any]]:
        """SQL for the (key, doc) rows of `keys` in both tables, and its parameters."""
        marks = ",".join("?" * len(keys))
        sql = " UNION ALL ".join(
            f"SELECT {self.column}, doc FROM {table} WHERE {self.column} IN ({marks})"
            for table in self.tables
        )
        return sql, [*keys] * len(self.tables)


_BANDS = _PendingIndex("minhash_bands", "band", merge_rows=200_000)
_CLUSTERS = _PendingIndex("post_clusters", "cluster", merge_rows=100_000)
_TERMS = _PendingIndex("post_terms", "term", merge_rows=50_000)
_ENTITIES = _PendingIndex("post_entities", "key", merge_rows=50_000)


def _cluster_docs(cluster_id: str) -> tuple[str, list[Any]]:
    """SQL for the docs of one cluster, and its parameters: the members and the first
    post, whose cluster is its own."""
    members, params = _CLUSTERS.rows([cluster_id])
    return (
        f"SELECT doc FROM ({members}) "
        "UNION ALL SELECT doc FROM posts WHERE id = ? AND cluster_id = ?",
        [*params, cluster_id, cluster_id],
    )


_POST_COLUMNS = ", ".join(_POST_COLUMN_LIST)
_SELECT = f"SELECT doc, {_POST_COLUMNS}, cluster_id, actor_id FROM posts"
_OPEN_STATE_SET = frozenset(OPEN_STATES)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _dumps_models(models: Iterable[Match | Entity]) -> str:
    """JSON of a list of models: their fields (`extra="forbid"` keeps `__dict__` to the
    fields), as `model_dump` would give them, without its per-call cost."""
    return _dumps([m.__dict__ for m in models])


# How long a connection waits for another one's lock (and for opening a new store).
BUSY_TIMEOUT_S = 30.0


class SQLiteStore:
    """The clue register in one SQLite file."""

    backend = "sqlite"

    def __init__(self, path: Path | str, *, cache_mib: int = 128) -> None:
        """`cache_mib`: SQLite's page cache per connection (one per thread). A cache
        fills as the database grows and stays full: a long-running writer that does
        not serve searches (a crawl) keeps its memory flat with a small one."""
        self.path = Path(path)
        self.cache_mib = max(1, cache_mib)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    # -- connections -------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # Several processes opening one new store at once (crawlers sharing a crawl):
            # switching it to WAL can answer "database is locked" at once, without
            # SQLite's busy wait. Try again for as long as the busy timeout.
            deadline = time.monotonic() + BUSY_TIMEOUT_S
            while True:
                try:
                    conn = self._connect()
                    break
                except sqlite3.DatabaseError as exc:
                    locked = isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
                    if not locked or time.monotonic() > deadline:
                        raise StoreError(f"{self.path}: cannot open the store ({exc})") from exc
                    time.sleep(0.05)
            self._local.conn = conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA cache_size={-1024 * self.cache_mib}")  # KiB
            conn.execute("PRAGMA temp_store=MEMORY")
            # Read pages without copying: up to 2 GiB, this SQLite's largest map
            # (a store of a million posts is 1.6 GB).
            conn.execute("PRAGMA mmap_size=2147418112")
            # Checkpoint when the WAL holds 256 MiB, not 4 MiB: a bulk write dirties
            # pages all over the random-key indexes, and the same pages again in the
            # next batches; a bigger WAL copies each of them to the file once for
            # many commits (measured at 350,000 posts, pages copied per 1,000-post
            # write: 5,621 at 4 MiB, 3,826 at 64 MiB, 2,013 at 256 MiB).
            conn.execute("PRAGMA wal_autocheckpoint=65536")
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _migrate(self) -> None:
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
            if current > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path}: schema version {current} is newer than this cluewatch "
                    f"({len(MIGRATIONS)}); upgrade cluewatch"
                )
            applied = range(current + 1, len(MIGRATIONS) + 1)
            for version in applied:
                for statement in _split_sql(MIGRATIONS[version - 1]):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", (version, _iso(utcnow()))
                )
            # After the last script: a backfill indexes posts with today's code, which
            # writes today's tables.
            for version in applied:
                if version in BACKFILL:
                    getattr(self, BACKFILL[version])(conn)
            self._seed_stats(conn)

    def _seed_stats(self, conn: sqlite3.Connection) -> None:
        if _has_posts_stats(conn):
            return
        conn.executemany(
            "INSERT INTO sqlite_stat1 VALUES ('posts', ?, ?)", list(SEEDED_STATS.items())
        )
        conn.execute("ANALYZE sqlite_schema")  # load them

    def _backfill_v2(self, conn: sqlite3.Connection) -> None:
        """Times to UTC text; search, terms, entities, actors and clusters for stored posts."""
        rows = conn.execute(f"{_SELECT} ORDER BY doc").fetchall()
        for row in rows:
            sp = _from_row(row)
            conn.execute(
                "UPDATE posts SET captured_at=?, published_at=?, first_seen_at=?, updated_at=? "
                "WHERE doc=?",
                (
                    _iso(sp.post.captured_at),
                    _iso(sp.post.published_at),
                    _iso(datetime.fromisoformat(row["first_seen_at"])),
                    _iso(sp.updated_at),
                    row["doc"],
                ),
            )
            actor_id, cluster_id = self._index_new(conn, row["doc"], sp)
            conn.execute(
                "UPDATE posts SET actor_id=?, cluster_id=? WHERE doc=?",
                (actor_id, cluster_id, row["doc"]),
            )

    def _stats_v3(self, conn: sqlite3.Connection) -> None:
        _reseed_stats(conn, "posts_open_site_time")

    def _stats_v5(self, conn: sqlite3.Connection) -> None:
        if _has_posts_stats(conn):
            conn.execute("DELETE FROM sqlite_stat1 WHERE idx = 'posts_cluster'")

    def _stats_v6(self, conn: sqlite3.Connection) -> None:
        _reseed_stats(conn, "posts_thread")
        _reseed_stats(conn, "posts_actor")

    def _stats_v7(self, conn: sqlite3.Connection) -> None:
        _reseed_stats(conn, "posts_score")

    def _stats_v8(self, conn: sqlite3.Connection) -> None:
        if _has_posts_stats(conn):
            conn.execute("DELETE FROM sqlite_stat1 WHERE idx = 'posts_raw_hash'")
        for index in ("posts_state_score", "posts_score", "posts_time", "posts_assignee"):
            _reseed_stats(conn, index)

    @property
    def schema_version(self) -> int:
        row = self._conn().execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # -- posts -------------------------------------------------------------

    def write_posts(self, items: Sequence[ScoredPost | Mapping[str, Any]]) -> WriteResult:
        result = WriteResult()
        valid = [sp for _, sp in validate_posts(items, result)]
        if not valid:
            return result
        now = utcnow()
        with self._write() as conn:
            ids = [sp.post.id for sp in valid]
            existing = {
                row[0]: row[1]
                for chunk in _chunks(ids, 500)
                for row in _tuples(conn).execute(
                    f"SELECT id, content_hash FROM posts WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            }
            batch = _Batch(self, conn, now)
            written: dict[str, str] = {}
            for sp in valid:
                old = existing.get(sp.post.id)
                stored_hash = written.get(sp.post.id) or old
                if stored_hash == sp.post.content_hash:
                    result.unchanged += 1
                    continue
                if old is None and sp.post.id not in written:
                    batch.add(sp)
                    result.new += 1
                    result.new_ids.append(sp.post.id)
                else:
                    batch.flush()
                    stored = conn.execute(f"{_SELECT} WHERE id=?", (sp.post.id,)).fetchone()
                    self._update_content(conn, stored, sp, now)
                    result.changed += 1
                written[sp.post.id] = sp.post.content_hash
            batch.flush()
        return result

    def _update_content(
        self, conn: sqlite3.Connection, old: sqlite3.Row, sp: ScoredPost, now: datetime
    ) -> None:
        doc = old["doc"]
        conn.execute(
            "INSERT INTO post_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sp.post.id,
                _iso(now),
                old["title"],
                old["text"],
                old["content_hash"],
                old["raw_hash"],
                old["captured_at"],
                old["score"],
            ),
        )
        self._unindex(conn, doc, old)
        state = ClueState(old["state"])
        if state is ClueState.UNFLAGGED and sp.scores.flagged:
            state = ClueState.REGISTERED
        row = _post_row(
            sp, state=state, version=old["version"] + 1, now=_iso(now) or "", first_seen=None
        )
        columns = [c for c in _POST_COLUMN_LIST if c not in ("id", "first_seen_at", "assignee")]
        values = [v for c, v in zip(_POST_COLUMN_LIST, row, strict=True) if c in columns]
        conn.execute(
            f"UPDATE posts SET {', '.join(f'{c}=?' for c in columns)} WHERE doc=?",
            (*values, doc),
        )
        actor_id, cluster_id = self._index_new(conn, doc, sp, cluster_id=old["cluster_id"])
        conn.execute(
            "UPDATE posts SET actor_id=?, cluster_id=? WHERE doc=?",
            (actor_id or old["actor_id"], cluster_id, doc),
        )
        self._append_audit(
            conn,
            AuditEvent(
                actor="system",
                action="content_changed",
                post_id=sp.post.id,
                before={"content_hash": old["content_hash"], "state": old["state"]},
                after={"content_hash": sp.post.content_hash, "state": state.value},
            ),
        )

    def _index_new(
        self,
        conn: sqlite3.Connection,
        doc: int,
        sp: ScoredPost,
        *,
        cluster_id: str | None = None,
    ) -> tuple[str | None, str | None]:
        """Search tokens, terms, entities, actor and cluster of a stored post."""
        post = sp.post
        conn.execute(
            "INSERT INTO posts_fts (rowid, body) VALUES (?, ?)",
            (doc, index_tokens(post.scored_text)),
        )
        _TERMS.add(conn, [(term, doc) for term in {m.term for m in sp.scores.matches}])
        _ENTITIES.add(conn, [(key, doc) for key in _entity_keys(sp.scores.entities)])
        keys = contact_keys(sp.scores.entities)
        actors = _Actors(conn, [keys], utcnow())
        actor_id = actors.link(keys)
        actors.flush()
        sig = neardup.signature(post.scored_text)
        if sig is None:
            return actor_id, cluster_id
        bands = neardup.band_keys(sig)
        if cluster_id is None:
            candidates = _stored_candidates(conn, bands)
            cluster_id = neardup.best_clusters([sig], [bands], candidates)[0] or post.id
            if cluster_id != post.id:
                _CLUSTERS.add(conn, [(cluster_id, doc)])
        conn.execute("INSERT OR REPLACE INTO minhash VALUES (?, ?, ?)", (doc, sig, cluster_id))
        _BANDS.add(conn, [(b, doc) for b in bands])
        return actor_id, cluster_id

    def _unindex(self, conn: sqlite3.Connection, doc: int, row: sqlite3.Row) -> None:
        """Remove a post's search tokens and side rows (before an update or a purge)."""
        title, text = row["title"], row["text"]
        scored = f"{title}\n{text}" if title else text
        conn.execute(
            "INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', ?, ?)",
            (doc, index_tokens(scored)),
        )
        terms = {m["term"] for m in json.loads(row["matches"])}
        _TERMS.remove(conn, [(t, doc) for t in terms])
        entities = [Entity(**e) for e in json.loads(row["entities"])]
        _ENTITIES.remove(conn, [(k, doc) for k in _entity_keys(entities)])
        sig_row = conn.execute("SELECT sig FROM minhash WHERE doc=?", (doc,)).fetchone()
        if sig_row is not None:
            _BANDS.remove(conn, [(b, doc) for b in neardup.band_keys(sig_row[0])])
            conn.execute("DELETE FROM minhash WHERE doc=?", (doc,))

    def content_hashes(self, post_ids: Iterable[str]) -> dict[str, str]:
        ids = list(post_ids)
        out: dict[str, str] = {}
        conn = self._conn()
        for chunk in _chunks(ids, 500):
            for row in conn.execute(
                f"SELECT id, content_hash FROM posts WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                out[row["id"]] = row["content_hash"]
        return out

    def get(self, post_id: str) -> ScoredPost:
        row = self._conn().execute(f"{_SELECT} WHERE id=?", (post_id,)).fetchone()
        if row is None:
            raise NotFound(f"no post with id {post_id!r}")
        return _from_row(row)

    def get_many(self, post_ids: Sequence[str]) -> list[ScoredPost]:
        found: dict[str, ScoredPost] = {}
        conn = self._conn()
        for chunk in _chunks(list(post_ids), 500):
            for row in conn.execute(f"{_SELECT} WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                found[row["id"]] = _from_row(row)
        return [found[i] for i in post_ids if i in found]

    # -- queue -------------------------------------------------------------

    def queue(self, flt: QueueFilter) -> QueuePage:
        where, params = _queue_where(flt, match_as_filter=self._frequent_search(flt))
        order = "score DESC, id" if flt.sort == "score" else "captured_at DESC, id"
        if flt.cursor:
            value, after_id = cursors.decode(flt.cursor, flt.sort)
            column = "score" if flt.sort == "score" else "captured_at"
            where.append(f"({column} < ? OR ({column} = ? AND id > ?))")
            params.extend([value, value, after_id])
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += f" ORDER BY {order} LIMIT ?"
        params.append(flt.limit + 1)
        rows = self._conn().execute(sql, params).fetchall()
        items = [_from_row(row) for row in rows[: flt.limit]]
        next_cursor = None
        if len(rows) > flt.limit:
            last = rows[flt.limit - 1]
            value = last["score"] if flt.sort == "score" else last["captured_at"]
            next_cursor = cursors.encode(flt.sort, value, last["id"])
        highlights: dict[str, list[Highlight]] = {}
        if flt.q:
            for sp in items:
                found = []
                for field, text in (("title", sp.post.title), ("text", sp.post.text)):
                    fragments = highlight(text, flt.q)
                    if fragments:
                        found.append(Highlight(field=field, fragments=fragments))
                highlights[sp.post.id] = found
        return QueuePage(items=items, next_cursor=next_cursor, highlights=highlights)

    def _frequent_search(self, flt: QueueFilter) -> bool:
        """Whether a search by score matches more than `FREQUENT_MATCHES` posts."""
        match = fts5_query(flt.q) if flt.q and flt.sort == "score" else None
        if match is None:
            return False
        (count,) = (
            self._conn()
            .execute(
                "SELECT COUNT(*) FROM (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? LIMIT ?)",
                (match, FREQUENT_MATCHES + 1),
            )
            .fetchone()
        )
        return int(count) > FREQUENT_MATCHES

    def thread(self, thread_id: str, *, limit: int = 500) -> list[ScoredPost]:
        rows = self._conn().execute(
            f"{_SELECT} WHERE id=? OR thread_id=? ORDER BY id != ?, captured_at, id LIMIT ?",
            (thread_id, thread_id, thread_id, limit),
        )
        return [_from_row(row) for row in rows]

    def cluster(self, cluster_id: str, *, limit: int = 200) -> list[ScoredPost]:
        docs, params = _cluster_docs(cluster_id)
        rows = self._conn().execute(
            f"{_SELECT} WHERE doc IN ({docs}) ORDER BY captured_at, doc LIMIT ?", (*params, limit)
        )
        return [_from_row(row) for row in rows]

    def count_by_state(self) -> dict[ClueState, int]:
        """Posts per clue state, from the counts the triggers of migration 4 keep."""
        counts = {state: 0 for state in ClueState}
        for state, posts in self._conn().execute("SELECT state, posts FROM state_counts"):
            counts[ClueState(state)] = posts
        return counts

    def count_posts(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM posts").fetchone()[0])

    def term_hits(self) -> list[dict[str, Any]]:
        """Per lexicon term: posts it matched and how analysts judged them.

        `confirmed` counts posts confirmed as clues (or further along the chain:
        transferred, feedback); `dismissed` those dismissed. A full scan of the
        stored matches: a supervisor's report, not a queue query.
        """
        rows = (
            self._conn()
            .execute(
                """
            SELECT json_extract(m.value, '$.category') AS category,
                   json_extract(m.value, '$.term') AS term,
                   COUNT(DISTINCT p.id) AS posts,
                   COUNT(DISTINCT CASE WHEN p.state IN ('confirmed', 'transferred', 'feedback')
                                       THEN p.id END) AS confirmed,
                   COUNT(DISTINCT CASE WHEN p.state = 'dismissed' THEN p.id END) AS dismissed
            FROM posts AS p, json_each(p.matches) AS m
            WHERE p.matches != '[]'
            GROUP BY category, term
            ORDER BY posts DESC, category, term
            """
            )
            .fetchall()
        )
        return [dict(row) for row in rows]

    def history(self, post_id: str) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT * FROM post_history WHERE post_id=? ORDER BY rowid", (post_id,)
        )
        return [dict(row) for row in rows]

    # -- actors ------------------------------------------------------------

    def actor(self, actor_id: str) -> Actor:
        conn = self._conn()
        contacts = [
            row[0]
            for row in conn.execute(
                "SELECT key FROM actor_contacts WHERE actor_id=? ORDER BY key", (actor_id,)
            )
        ]
        if not contacts:
            raise NotFound(f"no actor with id {actor_id!r}")
        summary = conn.execute(
            "SELECT COUNT(*) AS posts, COALESCE(SUM(flagged), 0) AS flagged, "
            "MIN(captured_at) AS first, MAX(captured_at) AS last FROM posts WHERE actor_id=?",
            (actor_id,),
        ).fetchone()
        sites = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT site FROM posts WHERE actor_id=? ORDER BY site", (actor_id,)
            )
        ]
        categories = {
            row[0]: row[1]
            for row in conn.execute(
                "SELECT label, COUNT(*) FROM posts WHERE actor_id=? AND flagged=1 "
                "GROUP BY label ORDER BY COUNT(*) DESC, label",
                (actor_id,),
            )
        }
        created = conn.execute("SELECT created_at FROM actors WHERE id=?", (actor_id,)).fetchone()
        fallback = created[0] if created else _iso(utcnow())
        return Actor(
            id=actor_id,
            contacts=contacts,
            posts=summary["posts"],
            flagged_posts=summary["flagged"],
            sites=sites,
            categories=categories,
            first_seen=datetime.fromisoformat(summary["first"] or fallback),
            last_seen=datetime.fromisoformat(summary["last"] or fallback),
        )

    def actors(self, *, limit: int = 50, min_posts: int = 1) -> list[Actor]:
        rows = (
            self._conn()
            .execute(
                "SELECT actor_id FROM posts WHERE actor_id IS NOT NULL GROUP BY actor_id "
                "HAVING COUNT(*) >= ? ORDER BY SUM(flagged) DESC, COUNT(*) DESC, actor_id LIMIT ?",
                (min_posts, limit),
            )
            .fetchall()
        )
        return [self.actor(row[0]) for row in rows]

    def actor_posts(self, actor_id: str, *, limit: int = 500) -> list[ScoredPost]:
        rows = self._conn().execute(
            f"{_SELECT} WHERE actor_id=? ORDER BY captured_at, doc LIMIT ?", (actor_id, limit)
        )
        return [_from_row(row) for row in rows]

    # -- dashboard ---------------------------------------------------------

    def aggregations(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Aggregations:
        conn = self._conn()
        where, params = ["1=1"], []
        if since is not None:
            where.append("first_seen_at >= ?")
            params.append(_iso(since))
        if until is not None:
            where.append("first_seen_at < ?")
            params.append(_iso(until))
        cond = " AND ".join(where)
        flagged_per_day = [
            DayCount(day=row[0], key=row[1], count=row[2])
            for row in conn.execute(
                f"SELECT substr(first_seen_at, 1, 10) AS day, label, COUNT(*) FROM posts "
                f"WHERE flagged=1 AND {cond} GROUP BY day, label ORDER BY day, label",
                params,
            )
        ]
        per_site = {
            row[0]: {"posts": row[1], "flagged": row[2]}
            for row in conn.execute(
                f"SELECT site, COUNT(*), SUM(flagged) FROM posts WHERE {cond} "
                "GROUP BY site ORDER BY COUNT(*) DESC, site",
                params,
            )
        }
        per_state = {state.value: 0 for state in ClueState}
        for row in conn.execute(
            f"SELECT state, COUNT(*) FROM posts WHERE {cond} GROUP BY state", params
        ):
            per_state[row[0]] = row[1]
        vwhere, vparams = ["1=1"], []
        if since is not None:
            vwhere.append("at >= ?")
            vparams.append(_iso(since))
        if until is not None:
            vwhere.append("at < ?")
            vparams.append(_iso(until))
        vcond = " AND ".join(vwhere)
        throughput = [
            DayCount(day=row[0], key=row[1], count=row[2])
            for row in conn.execute(
                f"SELECT substr(at, 1, 10) AS day, analyst, COUNT(*) FROM verdicts "
                f"WHERE {vcond} GROUP BY day, analyst ORDER BY day, analyst",
                vparams,
            )
        ]
        verdicts_per_category: dict[str, dict[str, int]] = {}
        for row in conn.execute(
            f"SELECT label, "
            "SUM(state IN ('confirmed', 'transferred', 'feedback')), SUM(state = 'dismissed') "
            f"FROM posts WHERE {cond} AND state IN "
            "('confirmed', 'transferred', 'feedback', 'dismissed') GROUP BY label",
            params,
        ):
            verdicts_per_category[row[0]] = {"confirmed": row[1], "dismissed": row[2]}
        feedback = {outcome.value: 0 for outcome in FeedbackOutcome}
        for row in conn.execute(
            f"SELECT outcome, COUNT(*) FROM feedback WHERE {vcond} GROUP BY outcome", vparams
        ):
            feedback[row[0]] = row[1]
        return Aggregations(
            flagged_per_day=flagged_per_day,
            per_site=per_site,
            per_state=per_state,
            throughput=throughput,
            verdicts_per_category=verdicts_per_category,
            feedback=feedback,
        )

    # -- lifecycle -----------------------------------------------------------

    def _change_state(
        self,
        post_id: str,
        *,
        expected_version: int | None,
        allowed: Callable[[ClueState], str | None],
        apply: Callable[[sqlite3.Connection, sqlite3.Row], AuditEvent],
    ) -> ScoredPost:
        """Read, check and change one post in one write transaction."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT id, state, version, assignee FROM posts WHERE id=?", (post_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no post with id {post_id!r}")
            if expected_version is not None and row["version"] != expected_version:
                raise ConflictError(
                    f"post {post_id} changed since it was read "
                    f"(version {row['version']}, expected {expected_version}); reload it"
                )
            problem = allowed(ClueState(row["state"]))
            if problem:
                raise LifecycleError(f"post {post_id} is {row['state']}: {problem}")
            self._append_audit(conn, apply(conn, row))
        return self.get(post_id)

    def record_verdict(
        self, verdict: Verdict, *, expected_version: int | None = None
    ) -> ScoredPost:
        def allowed(state: ClueState) -> str | None:
            if state not in VERDICT_FROM:
                return "verdicts are closed once a clue is transferred"
            return None

        def apply(conn: sqlite3.Connection, row: sqlite3.Row) -> AuditEvent:
            after = VERDICT_STATE[verdict.kind]
            conn.execute(
                "INSERT INTO verdicts (post_id, kind, analyst, note, categories, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    verdict.post_id,
                    verdict.kind.value,
                    verdict.analyst,
                    verdict.note,
                    _dumps(verdict.categories),
                    _iso(verdict.at),
                ),
            )
            conn.execute(
                "UPDATE posts SET state=?, version=version+1, updated_at=? WHERE id=?",
                (after.value, _iso(utcnow()), verdict.post_id),
            )
            return AuditEvent(
                actor=verdict.analyst,
                action=f"verdict.{verdict.kind.value}",
                post_id=verdict.post_id,
                before={"state": row["state"]},
                after={"state": after.value, "categories": verdict.categories},
                note=verdict.note,
            )

        return self._change_state(
            verdict.post_id, expected_version=expected_version, allowed=allowed, apply=apply
        )

    def verdicts(self, post_id: str) -> list[Verdict]:
        rows = self._conn().execute(
            "SELECT * FROM verdicts WHERE post_id=? ORDER BY id", (post_id,)
        )
        return [
            Verdict(
                post_id=row["post_id"],
                kind=row["kind"],
                analyst=row["analyst"],
                note=row["note"],
                categories=json.loads(row["categories"]),
                at=datetime.fromisoformat(row["at"]),
            )
            for row in rows
        ]

    def assign(
        self,
        post_id: str,
        assignee: str | None,
        *,
        by: str,
        force: bool = False,
        expected_version: int | None = None,
    ) -> ScoredPost:
        def apply(conn: sqlite3.Connection, row: sqlite3.Row) -> AuditEvent:
            held = row["assignee"]
            if held and assignee and held != assignee and not force:
                raise ConflictError(f"post {post_id} is claimed by {held}")
            if held and assignee is None and held != by and not force:
                raise ConflictError(f"post {post_id} is claimed by {held}, not {by}")
            conn.execute(
                "UPDATE posts SET assignee=?, version=version+1, updated_at=? WHERE id=?",
                (assignee, _iso(utcnow()), post_id),
            )
            return AuditEvent(
                actor=by,
                action="assign",
                post_id=post_id,
                before={"assignee": held},
                after={"assignee": assignee},
            )

        return self._change_state(
            post_id, expected_version=expected_version, allowed=lambda _: None, apply=apply
        )

    def add_note(self, post_id: str, author: str, text: str) -> AuditEvent:
        if not text.strip():
            raise ValueError("a note needs text")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM posts WHERE id=?", (post_id,)).fetchone() is None:
                raise NotFound(f"no post with id {post_id!r}")
            return self._append_audit(
                conn, AuditEvent(actor=author, action="note", post_id=post_id, note=text[:10_000])
            )

    def mark_transferred(self, post_ids: Sequence[str], export_id: str, *, by: str) -> None:
        with self._write() as conn:
            states = {
                row[0]: row[1]
                for chunk in _chunks(list(post_ids), 500)
                for row in conn.execute(
                    f"SELECT id, state FROM posts WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            }
            missing = [p for p in post_ids if p not in states]
            if missing:
                raise NotFound(f"no posts with ids {', '.join(missing[:10])}")
            wrong = [p for p in post_ids if states[p] != ClueState.CONFIRMED.value]
            if wrong:
                raise LifecycleError(
                    "only confirmed clues can be transferred; not confirmed: "
                    + ", ".join(f"{p} ({states[p]})" for p in wrong[:10])
                )
            now = _iso(utcnow())
            for post_id in dict.fromkeys(post_ids):
                conn.execute(
                    "UPDATE posts SET state='transferred', version=version+1, updated_at=? "
                    "WHERE id=?",
                    (now, post_id),
                )
                self._append_audit(
                    conn,
                    AuditEvent(
                        actor=by,
                        action="transfer",
                        post_id=post_id,
                        before={"state": "confirmed"},
                        after={"state": "transferred", "export_id": export_id},
                    ),
                )

    def record_feedback(self, feedback: Feedback) -> ScoredPost:
        def allowed(state: ClueState) -> str | None:
            if state not in (ClueState.TRANSFERRED, ClueState.FEEDBACK):
                return "police feedback is recorded on transferred clues"
            return None

        def apply(conn: sqlite3.Connection, row: sqlite3.Row) -> AuditEvent:
            conn.execute(
                "INSERT INTO feedback (post_id, outcome, reference, note, recorded_by, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    feedback.post_id,
                    feedback.outcome.value,
                    feedback.reference,
                    feedback.note,
                    feedback.recorded_by,
                    _iso(feedback.at),
                ),
            )
            conn.execute(
                "UPDATE posts SET state='feedback', version=version+1, updated_at=? WHERE id=?",
                (_iso(utcnow()), feedback.post_id),
            )
            return AuditEvent(
                actor=feedback.recorded_by,
                action="feedback",
                post_id=feedback.post_id,
                before={"state": row["state"]},
                after={
                    "state": "feedback",
                    "outcome": feedback.outcome.value,
                    "reference": feedback.reference,
                },
                note=feedback.note,
            )

        return self._change_state(
            feedback.post_id, expected_version=None, allowed=allowed, apply=apply
        )

    def feedback(self, post_id: str) -> list[Feedback]:
        rows = self._conn().execute(
            "SELECT * FROM feedback WHERE post_id=? ORDER BY id", (post_id,)
        )
        return [
            Feedback(
                post_id=row["post_id"],
                outcome=row["outcome"],
                reference=row["reference"],
                note=row["note"],
                recorded_by=row["recorded_by"],
                at=datetime.fromisoformat(row["at"]),
            )
            for row in rows
        ]

    # -- exports and retention ---------------------------------------------

    def save_export(
        self,
        record: ExportRecord,
        *,
        expected_version: int | None = None,
        events: Sequence[AuditEvent] = (),
    ) -> ExportRecord:
        with self._write() as conn:
            if expected_version is not None:
                row = conn.execute("SELECT data FROM exports WHERE id=?", (record.id,)).fetchone()
                stored = ExportRecord.model_validate_json(row[0]).version if row else None
                problem = export_conflict(record.id, expected_version, stored)
                if problem:
                    raise ConflictError(problem)
                record = record.model_copy(update={"version": expected_version + 1})
            conn.execute(
                "INSERT INTO exports VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET data=excluded.data",
                (record.id, _iso(record.created_at), record.model_dump_json()),
            )
            self._append_audits(conn, list(events))
        return record

    def get_export(self, export_id: str) -> ExportRecord:
        row = self._conn().execute("SELECT data FROM exports WHERE id=?", (export_id,)).fetchone()
        if row is None:
            raise NotFound(f"no export with id {export_id!r}")
        return ExportRecord.model_validate_json(row[0])

    def exports(self, *, limit: int = 50) -> list[ExportRecord]:
        rows = self._conn().execute(
            "SELECT data FROM exports ORDER BY created_at DESC, id LIMIT ?", (limit,)
        )
        return [ExportRecord.model_validate_json(row[0]) for row in rows]

    def purge_dismissed(self, older_than: datetime, *, by: str) -> PurgeResult:
        result = PurgeResult()
        with self._write() as conn:
            rows = conn.execute(
                f"{_SELECT} WHERE state = 'dismissed' AND updated_at < ? ORDER BY doc",
                (_iso(older_than),),
            ).fetchall()
            if not rows:
                return result
            raw_hashes = set()
            for row in rows:
                self._unindex(conn, row["doc"], row)
                if row["cluster_id"] not in (None, row["id"]):
                    _CLUSTERS.remove(conn, [(row["cluster_id"], row["doc"])])
                for table in ("post_history", "verdicts"):
                    conn.execute(f"DELETE FROM {table} WHERE post_id=?", (row["id"],))
                conn.execute("DELETE FROM posts WHERE doc=?", (row["doc"],))
                result.post_ids.append(row["id"])
                if row["raw_hash"]:
                    raw_hashes.add(row["raw_hash"])
            # One scan of the posts (no index on the hash: it would cost every write a
            # page, for a command run once a day).
            still_used = {
                h
                for (h,) in conn.execute(
                    "SELECT DISTINCT raw_hash FROM posts "
                    "WHERE raw_hash IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(raw_hashes)),),
                )
            }
            result.orphaned_raw_hashes = sorted(raw_hashes - still_used)
            self._append_audit(
                conn,
                AuditEvent(
                    actor=by,
                    action="purge",
                    before={"state": "dismissed", "older_than": _iso(older_than)},
                    after={"posts": result.post_ids, "evidence": result.orphaned_raw_hashes},
                ),
            )
        return result

    # -- audit ---------------------------------------------------------------

    def _append_audit(self, conn: sqlite3.Connection, event: AuditEvent) -> AuditEvent:
        return self._append_audits(conn, [event])[0]

    def _append_audits(
        self, conn: sqlite3.Connection, events: list[AuditEvent]
    ) -> list[AuditEvent]:
        """Append events in order, chaining them in one pass; returns them with seq and hashes."""
        if not events:
            return []
        last = conn.execute(
            "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        seq, prev = (last[0], last[1]) if last else (0, "")
        chained: list[AuditEvent] = []
        for event in events:
            seq += 1
            digest = event_hash(event, prev)
            chained.append(event.model_copy(update={"seq": seq, "prev_hash": prev, "hash": digest}))
            prev = digest
        conn.executemany(
            "INSERT INTO audit_events "
            "(seq, at, actor, action, post_id, before, after, note, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.seq,
                    _iso(e.at),
                    e.actor,
                    e.action,
                    e.post_id,
                    _dumps(e.before),
                    _dumps(e.after),
                    e.note,
                    e.prev_hash,
                    e.hash,
                )
                for e in chained
            ],
        )
        return chained

    def append_audit(self, event: AuditEvent) -> AuditEvent:
        with self._write() as conn:
            return self._append_audit(conn, event)

    def audit_events(
        self,
        *,
        post_id: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_seq: int | None = None,
        limit: int = 200,
    ) -> list[AuditEvent]:
        where: list[str] = []
        params: list[Any] = []
        for column, op, value in (
            ("post_id", "=", post_id),
            ("actor", "=", actor),
            ("action", "=", action),
            ("at", ">=", _iso(since)),
            ("at", "<", _iso(until)),
            ("seq", "<", before_seq),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")
                params.append(value)
        sql = "SELECT * FROM audit_events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._conn().execute(f"{sql} ORDER BY seq DESC LIMIT ?", (*params, limit))
        return [_audit_from_row(row) for row in rows]

    def verify_audit_chain(self) -> list[str]:
        rows = self._conn().execute("SELECT * FROM audit_events ORDER BY seq")
        return chain_problems([_audit_from_row(row) for row in rows])

    # -- crawl runs ------------------------------------------------------------

    def save_crawl_run(self, run: CrawlRun) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO crawl_runs (id, site, started_at, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET data=excluded.data",
                (run.id, run.site, _iso(run.started_at), run.model_dump_json()),
            )

    def crawl_runs(self, *, site: str | None = None, limit: int = 50) -> list[CrawlRun]:
        if site is None:
            rows = self._conn().execute(
                "SELECT data FROM crawl_runs ORDER BY started_at DESC LIMIT ?", (limit,)
            )
        else:
            rows = self._conn().execute(
                "SELECT data FROM crawl_runs WHERE site=? ORDER BY started_at DESC LIMIT ?",
                (site, limit),
            )
        return [CrawlRun.model_validate_json(row[0]) for row in rows]

    # -- users and sessions ----------------------------------------------------

    def add_user(self, user: User) -> None:
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM users WHERE username=?", (user.username,)).fetchone():
                raise ConflictError(f"user {user.username!r} already exists")
            conn.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?)",
                (user.username, user.role, user.password_hash, int(user.disabled)),
            )

    def get_user(self, username: str) -> User | None:
        row = self._conn().execute("SELECT * FROM users WHERE username=?", (username,)).fetchone()
        if row is None:
            return None
        return User(row["username"], row["role"], row["password_hash"], bool(row["disabled"]))

    def users(self) -> list[User]:
        rows = self._conn().execute("SELECT * FROM users ORDER BY username")
        return [
            User(r["username"], r["role"], r["password_hash"], bool(r["disabled"])) for r in rows
        ]

    def update_user(self, user: User) -> None:
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE users SET role=?, password_hash=?, disabled=? WHERE username=?",
                (user.role, user.password_hash, int(user.disabled), user.username),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no user {user.username!r}")
            if user.disabled:
                conn.execute("DELETE FROM sessions WHERE username=?", (user.username,))

    def create_session(
        self, session_id: str, username: str, csrf: str, expires_at: datetime
    ) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?)",
                (session_id, username, csrf, _iso(expires_at)),
            )

    def get_session(self, session_id: str) -> tuple[str, str, datetime] | None:
        row = (
            self._conn()
            .execute("SELECT username, csrf, expires_at FROM sessions WHERE id=?", (session_id,))
            .fetchone()
        )
        if row is None:
            return None
        return row[0], row[1], datetime.fromisoformat(row[2])

    def delete_session(self, session_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM sessions WHERE id=?", (session_id,))


class _Batch:
    """New posts of one write, inserted together: rows are prepared in Python and
    written with one `executemany` per table when the batch is flushed.

    Document numbers are assigned here (the write transaction holds the lock);
    near-duplicate candidates for the whole batch come from one band lookup per
    few dozen posts, plus the batch's own posts; the audit chain of the batch's
    events is computed in one pass.
    """

    def __init__(self, store: SQLiteStore, conn: sqlite3.Connection, now: datetime) -> None:
        self.store, self.conn, self.now = store, conn, now
        self.pending: list[ScoredPost] = []

    def add(self, sp: ScoredPost) -> None:
        self.pending.append(sp)

    def flush(self) -> None:
        if not self.pending:
            return
        posts, self.pending = self.pending, []
        conn, now = self.conn, self.now
        next_doc = int(conn.execute("SELECT COALESCE(MAX(doc), 0) FROM posts").fetchone()[0]) + 1
        texts = [normalize(sp.post.scored_text) for sp in posts]
        sigs = neardup.signatures(texts, normalized=True)
        contacts = [contact_keys(sp.scores.entities) for sp in posts]
        signed = neardup.band_keys_of([sig for sig in sigs if sig is not None])[::-1]
        bands = [signed.pop() if sig is not None else [] for sig in sigs]
        # band -> [(signature, cluster id)], stored posts first, then this batch's
        candidates = _stored_candidates(conn, {band for keys in bands for band in keys})
        rows: list[list[Any]] = []
        fts: list[tuple[int, str]] = []
        terms: list[tuple[str, int]] = []
        entities: list[tuple[str, int]] = []
        minhash: list[tuple[int, bytes, str]] = []
        band_rows: list[tuple[int, int]] = []
        cluster_rows: list[tuple[str, int]] = []
        events: list[AuditEvent] = []
        states: Counter[str] = Counter()
        actors = _Actors(conn, contacts, now)
        # Against stored posts, all at once; a post sharing a band with an earlier
        # post of this batch (listed in `touched`) is compared on its own instead.
        stored_best = neardup.best_clusters(sigs, bands, candidates)
        touched: set[int] = set()
        now_iso = _iso(now)
        for offset, sp in enumerate(posts):
            post, doc = sp.post, next_doc + offset
            state = ClueState.REGISTERED if sp.scores.flagged else ClueState.UNFLAGGED
            states[state.value] += 1
            actor_id = actors.link(contacts[offset])
            sig, keys = sigs[offset], bands[offset]
            cluster_id = None
            if sig is not None:
                if touched.isdisjoint(keys):
                    cluster_id = stored_best[offset] or post.id
                else:
                    cluster_id = neardup.best_clusters([sig], [keys], candidates)[0] or post.id
                # A band lists each cluster once: a repost joins through the first
                # member, and a wave of identical posts adds no rows at all. A new
                # cluster (the post's own id) is listed nowhere yet.
                new_cluster = cluster_id == post.id
                added = 0
                for band in keys:
                    members = candidates.setdefault(band, [])
                    if len(members) < MAX_BAND_MEMBERS and (
                        new_cluster or cluster_id not in map(_CLUSTER_OF, members)
                    ):
                        members.append((sig, cluster_id))
                        band_rows.append((band, doc))
                        touched.add(band)
                        added += 1
                if added:
                    minhash.append((doc, sig, cluster_id))
                if cluster_id != post.id:
                    cluster_rows.append((cluster_id, doc))
            row = [doc, *_post_row(sp, state=state, version=1, now=now_iso, first_seen=now_iso)]
            row += [cluster_id, actor_id]
            rows.append(row)
            fts.append((doc, index_tokens(texts[offset], normalized=True)))
            terms.extend((term, doc) for term in {m.term for m in sp.scores.matches})
            entities.extend((key, doc) for key in _entity_keys(sp.scores.entities))
            if state is ClueState.REGISTERED:
                events.append(
                    AuditEvent(
                        at=now,
                        actor="system",
                        action="register",
                        post_id=post.id,
                        after={
                            "state": state.value,
                            "score": sp.scores.score,
                            "label": sp.scores.label,
                        },
                    )
                )
        for row in rows:
            row[-1] = actors.resolve(row[-1])
        actors.flush()
        conn.executemany(
            f"INSERT INTO posts (doc, {_POST_COLUMNS}, cluster_id, actor_id) "
            f"VALUES ({','.join('?' * (len(_POST_COLUMN_LIST) + 3))})",
            rows,
        )
        conn.executemany(
            "UPDATE state_counts SET posts = posts + ? WHERE state = ?",
            [(count, state) for state, count in states.items()],
        )
        conn.executemany("INSERT INTO posts_fts (rowid, body) VALUES (?, ?)", fts)
        # Key order: each B-tree page is visited once per batch, front to back.
        _TERMS.add(conn, terms)
        _ENTITIES.add(conn, entities)
        conn.executemany("INSERT INTO minhash VALUES (?, ?, ?)", minhash)
        _BANDS.add(conn, band_rows)
        _CLUSTERS.add(conn, cluster_rows)
        self.store._append_audits(conn, events)


_CLUSTER_OF = itemgetter(1)  # of a band member (signature, cluster id)


def _stored_candidates(
    conn: sqlite3.Connection, bands: Iterable[int]
) -> dict[int, list[tuple[bytes, str]]]:
    """Stored posts per band key: (signature, cluster id), at most `MAX_BAND_MEMBERS` each.

    A near-duplicate shares several bands with a post of the batch, so the band rows
    are read first and each post's signature once (measured at 310,000 posts: 8,600
    band rows of 4,500 posts per 1,000-post write)."""
    docs_of: defaultdict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(bands), 900):
        pairs, params = _BANDS.rows(chunk)
        for band, doc in _tuples(conn).execute(pairs, params):
            docs_of[band].append(doc)
    for docs in docs_of.values():
        del docs[MAX_BAND_MEMBERS:]
    wanted = sorted({doc for docs in docs_of.values() for doc in docs})
    stored: dict[int, tuple[bytes, str]] = {}
    for chunk in _chunks(wanted, 900):
        stored.update(
            (doc, (sig, cluster_id))
            for doc, sig, cluster_id in _tuples(conn).execute(
                f"SELECT doc, sig, cluster FROM minhash WHERE doc IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return {band: [stored[doc] for doc in docs if doc in stored] for band, docs in docs_of.items()}


class _Actors:
    """Actor links for one batch: contacts known to the store are read once, new
    actors and contacts are written together; merges are written as they happen."""

    def __init__(self, conn: sqlite3.Connection, keys: list[list[str]], now: datetime) -> None:
        self.conn, self.now = conn, _iso(now)
        self.actor_of: dict[str, str] = {}
        self.created: dict[str, str] = {}
        self.merged: dict[str, str] = {}
        self.new_actors: dict[str, str] = {}
        self.new_contacts: dict[str, str] = {}
        wanted = sorted({key for post_keys in keys for key in post_keys})
        for chunk in _chunks(wanted, 900):
            for key, actor_id, created in conn.execute(
                "SELECT c.key, a.id, a.created_at FROM actor_contacts AS c "
                f"JOIN actors AS a ON a.id = c.actor_id WHERE c.key IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                self.actor_of[key] = actor_id
                self.created[actor_id] = created

    def resolve(self, actor_id: str | None) -> str | None:
        while actor_id is not None and actor_id in self.merged:
            actor_id = self.merged[actor_id]
        return actor_id

    def link(self, keys: list[str]) -> str | None:
        if not keys:
            return None
        found = sorted(
            {self.resolve(self.actor_of[k]) for k in keys if k in self.actor_of},  # type: ignore[misc]
            key=lambda a: (self.created[a], a),
        )
        if not found:
            actor_id = "a" + hashlib.sha256(keys[0].encode()).hexdigest()[:15]
            self.created.setdefault(actor_id, self.now)
            self.new_actors[actor_id] = self.now
        else:
            actor_id = found[0]
            for other in found[1:]:
                self.merged[other] = actor_id
                self.new_actors.pop(other, None)
                for key, value in self.new_contacts.items():
                    if value == other:
                        self.new_contacts[key] = actor_id
                self.conn.execute(
                    "UPDATE actor_contacts SET actor_id=? WHERE actor_id=?", (actor_id, other)
                )
                self.conn.execute("UPDATE posts SET actor_id=? WHERE actor_id=?", (actor_id, other))
                self.conn.execute("DELETE FROM actors WHERE id=?", (other,))
        for key in keys:
            if key not in self.actor_of:
                self.new_contacts[key] = actor_id
            self.actor_of[key] = actor_id
        return actor_id

    def flush(self) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO actors VALUES (?, ?)", self.new_actors.items())
        self.conn.executemany(
            "INSERT INTO actor_contacts VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
            [(key, self.resolve(actor)) for key, actor in self.new_contacts.items()],
        )


def _reseed_stats(conn: sqlite3.Connection, index: str) -> None:
    """Seeded statistics for a new or changed index, when the file has seeded ones."""
    if _has_posts_stats(conn):
        conn.execute("DELETE FROM sqlite_stat1 WHERE idx = ?", (index,))
        conn.execute(
            "INSERT INTO sqlite_stat1 VALUES ('posts', ?, ?)", (index, SEEDED_STATS[index])
        )


def _has_posts_stats(conn: sqlite3.Connection) -> bool:
    """Whether the file holds planner statistics for the posts table (creates the
    statistics table when missing)."""
    if not conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").fetchone():
        conn.execute("ANALYZE sqlite_schema")
    row = conn.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'posts' LIMIT 1").fetchone()
    return row is not None


def _entity_keys(entities: Iterable[Entity]) -> set[str]:
    return {entity_key(e.kind, e.value) for e in entities if e.kind in FILTER_ENTITY_KINDS}


def _queue_where(flt: QueueFilter, *, match_as_filter: bool = False) -> tuple[list[str], list[Any]]:
    """WHERE terms of a queue filter. States are inlined as literals so that the
    planner can use the partial indexes of the open queue; every state is no
    condition at all. `match_as_filter`: the search's matches only filter posts
    read in the order of an index (`+doc` keeps the planner from starting at them)."""
    where: list[str] = []
    params: list[Any] = []
    states = list(dict.fromkeys(flt.states))
    if states and len(states) < len(ClueState):
        if set(states) == _OPEN_STATE_SET:
            where.append(_OPEN_SQL)
        else:
            where.append(f"state IN ({','.join(repr(s.value) for s in states)})")
            if ClueState.UNFLAGGED not in states:
                where.append(_FLAGGED_SQL)  # the words of the state index's condition
    for column, value in (
        ("label", flt.category),
        ("site", flt.site),
        ("actor_id", flt.actor_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if flt.cluster_id is not None:
        docs, cluster_params = _cluster_docs(flt.cluster_id)
        where.append(f"doc IN ({docs})")
        params += cluster_params
    if flt.assignee is not None:
        if flt.assignee == "":
            where.append("assignee IS NULL")
        else:
            where.append("assignee = ?")
            params.append(flt.assignee)
    if flt.min_score is not None:
        where.append("score >= ?")
        params.append(flt.min_score)
    if flt.max_score is not None:
        where.append("score <= ?")
        params.append(flt.max_score)
    if flt.since is not None:
        where.append("captured_at >= ?")
        params.append(_iso(flt.since))
    if flt.until is not None:
        where.append("captured_at < ?")
        params.append(_iso(flt.until))
    side_filters = (
        (_TERMS, [flt.term] if flt.term else []),
        (_ENTITIES, filter_key(flt.entity) if flt.entity else []),
    )
    for index, keys in side_filters:
        if keys:
            pairs, pair_params = index.rows(keys)
            where.append(f"doc IN (SELECT doc FROM ({pairs}))")
            params += pair_params
    if flt.q:
        match = fts5_query(flt.q)
        if match is None:
            where.append("0")
        else:
            doc = "+doc" if match_as_filter else "doc"
            where.append(f"{doc} IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
            params.append(match)
    return where, params


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _tuples(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are plain tuples: `sqlite3.Row` costs on queries of many rows."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _post_row(
    sp: ScoredPost, *, state: ClueState, version: int, now: str, first_seen: str | None
) -> tuple[Any, ...]:
    """Values in `_POST_COLUMN_LIST` order."""
    p, s = sp.post, sp.scores
    return (
        p.id,
        p.site,
        p.url,
        p.kind,
        p.thread_id,
        p.title,
        p.text,
        p.author,
        _iso(p.published_at),
        _iso(p.captured_at),
        first_seen,
        p.content_hash,
        p.raw_hash,
        _dumps(p.extra),
        s.score,
        s.label,
        int(s.flagged),
        _dumps(s.categories),
        _dumps(s.model_categories),
        _dumps_models(s.matches),
        _dumps_models(s.entities),
        s.model_version,
        s.lexicon_version,
        state.value,
        sp.assignee,
        version,
        now,
    )


def _from_row(row: sqlite3.Row) -> ScoredPost:
    post = Post(
        id=row["id"],
        site=row["site"],
        url=row["url"],
        kind=row["kind"],
        thread_id=row["thread_id"],
        title=row["title"],
        text=row["text"],
        author=row["author"],
        published_at=datetime.fromisoformat(row["published_at"]) if row["published_at"] else None,
        captured_at=datetime.fromisoformat(row["captured_at"]),
        content_hash=row["content_hash"],
        raw_hash=row["raw_hash"],
        extra=json.loads(row["extra"]),
    )
    scores = Scores(
        score=row["score"],
        label=row["label"],
        flagged=bool(row["flagged"]),
        categories=json.loads(row["categories"]),
        model_categories=json.loads(row["model_categories"]),
        matches=[Match(**m) for m in json.loads(row["matches"])],
        entities=[Entity(**e) for e in json.loads(row["entities"])],
        model_version=row["model_version"],
        lexicon_version=row["lexicon_version"],
    )
    return ScoredPost.model_construct(
        post=post,
        scores=scores,
        state=ClueState(row["state"]),
        version=row["version"],
        updated_at=datetime.fromisoformat(row["updated_at"]),
        assignee=row["assignee"],
        first_seen_at=datetime.fromisoformat(row["first_seen_at"])
        if row["first_seen_at"]
        else None,
        cluster_id=row["cluster_id"],
        actor_id=row["actor_id"],
    )


def _audit_from_row(row: sqlite3.Row) -> AuditEvent:
    return AuditEvent(
        seq=row["seq"],
        at=datetime.fromisoformat(row["at"]),
        actor=row["actor"],
        action=row["action"],
        post_id=row["post_id"],
        before=json.loads(row["before"]),
        after=json.loads(row["after"]),
        note=row["note"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )
