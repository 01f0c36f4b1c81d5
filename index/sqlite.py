"""SQLite backend (the embedded default): one file, WAL mode, versioned schema.

Every write runs in a `BEGIN IMMEDIATE` transaction, so the crawler and the
review app can write to one file from different processes without losing
updates; each thread gets its own connection.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cluewatch.errors import ConflictError, LifecycleError, NotFound, StoreError
from index.audit import chain_problems, event_hash
from index.base import User, WriteResult
from index.models import (
    VERDICT_FROM,
    VERDICT_STATE,
    AuditEvent,
    ClueState,
    CrawlRun,
    Entity,
    Match,
    Post,
    QueueFilter,
    ScoredPost,
    Scores,
    Verdict,
    utcnow,
)

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
    CREATE INDEX posts_site ON posts (site, state);
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

_POST_COLUMNS = (
    "id, site, url, kind, thread_id, title, text, author, published_at, captured_at, "
    "first_seen_at, content_hash, raw_hash, extra, score, label, flagged, categories, "
    "model_categories, matches, entities, model_version, lexicon_version, state, assignee, "
    "version, updated_at"
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SQLiteStore:
    """The clue register in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    # -- connections -------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
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
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
            if current > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path}: schema version {current} is newer than this cluewatch "
                    f"({len(MIGRATIONS)}); upgrade cluewatch"
                )
            for version, script in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for statement in _split_sql(script):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", (version, utcnow().isoformat())
                )

    @property
    def schema_version(self) -> int:
        row = self._conn().execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # -- posts -------------------------------------------------------------

    def write_posts(self, items: Sequence[ScoredPost | Mapping[str, Any]]) -> WriteResult:
        result = WriteResult()
        valid: list[ScoredPost] = []
        for position, item in enumerate(items):
            try:
                valid.append(
                    item if isinstance(item, ScoredPost) else ScoredPost.model_validate(item)
                )
            except ValidationError as exc:
                result.rejected.append((position, _describe(exc)))
        if not valid:
            return result
        now = utcnow()
        with self._write() as conn:
            ids = [sp.post.id for sp in valid]
            existing = {
                row["id"]: row
                for chunk in _chunks(ids, 500)
                for row in conn.execute(
                    f"SELECT id, content_hash, state, title, text, raw_hash, captured_at, score, version "
                    f"FROM posts WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            }
            for sp in valid:
                old = existing.get(sp.post.id)
                if old is not None and old["content_hash"] == sp.post.content_hash:
                    result.unchanged += 1
                    continue
                if old is None:
                    state = ClueState.REGISTERED if sp.scores.flagged else ClueState.UNFLAGGED
                    conn.execute(
                        f"INSERT INTO posts ({_POST_COLUMNS}) VALUES ({','.join('?' * 27)})",
                        _post_row(sp, state=state, version=1, now=now, first_seen=now),
                    )
                    result.new += 1
                    result.new_ids.append(sp.post.id)
                    existing[sp.post.id] = {"content_hash": sp.post.content_hash}
                    if state is ClueState.REGISTERED:
                        self._append_audit(
                            conn,
                            AuditEvent(
                                actor="system",
                                action="register",
                                post_id=sp.post.id,
                                after={
                                    "state": state.value,
                                    "score": sp.scores.score,
                                    "label": sp.scores.label,
                                },
                            ),
                        )
                    continue
                conn.execute(
                    "INSERT INTO post_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sp.post.id,
                        now.isoformat(),
                        old["title"],
                        old["text"],
                        old["content_hash"],
                        old["raw_hash"],
                        old["captured_at"],
                        old["score"],
                    ),
                )
                state = ClueState(old["state"])
                if state is ClueState.UNFLAGGED and sp.scores.flagged:
                    state = ClueState.REGISTERED
                row = _post_row(
                    sp, state=state, version=old["version"] + 1, now=now, first_seen=None
                )
                conn.execute(
                    "UPDATE posts SET site=?, url=?, kind=?, thread_id=?, title=?, text=?, author=?, "
                    "published_at=?, captured_at=?, content_hash=?, raw_hash=?, extra=?, score=?, "
                    "label=?, flagged=?, categories=?, model_categories=?, matches=?, entities=?, "
                    "model_version=?, lexicon_version=?, state=?, version=?, updated_at=? WHERE id=?",
                    (*row[1:10], *row[11:24], row[25], row[26], sp.post.id),
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
                result.changed += 1
        return result

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
        row = (
            self._conn()
            .execute(f"SELECT {_POST_COLUMNS} FROM posts WHERE id=?", (post_id,))
            .fetchone()
        )
        if row is None:
            raise NotFound(f"no post with id {post_id!r}")
        return _from_row(row)

    def queue(self, flt: QueueFilter) -> list[ScoredPost]:
        where: list[str] = []
        params: list[Any] = []
        if flt.states:
            where.append(f"state IN ({','.join('?' * len(flt.states))})")
            params.extend(s.value for s in flt.states)
        if flt.category:
            where.append("label = ?")
            params.append(flt.category)
        if flt.site:
            where.append("site = ?")
            params.append(flt.site)
        if flt.min_score is not None:
            where.append("score >= ?")
            params.append(flt.min_score)
        if flt.max_score is not None:
            where.append("score <= ?")
            params.append(flt.max_score)
        order = "score DESC, id" if flt.sort == "score" else "captured_at DESC, id"
        sql = f"SELECT {_POST_COLUMNS} FROM posts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order} LIMIT ? OFFSET ?"
        params.extend([flt.limit, flt.offset])
        return [_from_row(row) for row in self._conn().execute(sql, params)]

    def count_by_state(self) -> dict[ClueState, int]:
        counts = {state: 0 for state in ClueState}
        for row in self._conn().execute("SELECT state, COUNT(*) FROM posts GROUP BY state"):
            counts[ClueState(row[0])] = row[1]
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

    # -- verdicts and audit -------------------------------------------------

    def record_verdict(
        self, verdict: Verdict, *, expected_version: int | None = None
    ) -> ScoredPost:
        with self._write() as conn:
            row = conn.execute(
                "SELECT state, version FROM posts WHERE id=?", (verdict.post_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no post with id {verdict.post_id!r}")
            if expected_version is not None and row["version"] != expected_version:
                raise ConflictError(
                    f"post {verdict.post_id} changed since it was read "
                    f"(version {row['version']}, expected {expected_version}); reload it"
                )
            before = ClueState(row["state"])
            if before not in VERDICT_FROM:
                raise LifecycleError(
                    f"post {verdict.post_id} is {before.value}: verdicts are closed once a clue is transferred"
                )
            after = VERDICT_STATE[verdict.kind]
            conn.execute(
                "INSERT INTO verdicts (post_id, kind, analyst, note, categories, at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    verdict.post_id,
                    verdict.kind.value,
                    verdict.analyst,
                    verdict.note,
                    _dumps(verdict.categories),
                    verdict.at.isoformat(),
                ),
            )
            conn.execute(
                "UPDATE posts SET state=?, version=version+1, updated_at=? WHERE id=?",
                (after.value, utcnow().isoformat(), verdict.post_id),
            )
            self._append_audit(
                conn,
                AuditEvent(
                    actor=verdict.analyst,
                    action=f"verdict.{verdict.kind.value}",
                    post_id=verdict.post_id,
                    before={"state": before.value},
                    after={"state": after.value, "categories": verdict.categories},
                    note=verdict.note,
                ),
            )
        return self.get(verdict.post_id)

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

    def _append_audit(self, conn: sqlite3.Connection, event: AuditEvent) -> AuditEvent:
        last = conn.execute("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else ""
        event = event.model_copy(update={"prev_hash": prev, "hash": event_hash(event, prev)})
        cursor = conn.execute(
            "INSERT INTO audit_events (at, actor, action, post_id, before, after, note, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.at.isoformat(),
                event.actor,
                event.action,
                event.post_id,
                _dumps(event.before),
                _dumps(event.after),
                event.note,
                event.prev_hash,
                event.hash,
            ),
        )
        return event.model_copy(update={"seq": cursor.lastrowid or 0})

    def append_audit(self, event: AuditEvent) -> AuditEvent:
        with self._write() as conn:
            return self._append_audit(conn, event)

    def audit_events(self, *, post_id: str | None = None, limit: int = 200) -> list[AuditEvent]:
        if post_id is None:
            rows = self._conn().execute(
                "SELECT * FROM audit_events ORDER BY seq DESC LIMIT ?", (limit,)
            )
        else:
            rows = self._conn().execute(
                "SELECT * FROM audit_events WHERE post_id=? ORDER BY seq DESC LIMIT ?",
                (post_id, limit),
            )
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
                (run.id, run.site, run.started_at.isoformat(), run.model_dump_json()),
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
                (session_id, username, csrf, expires_at.isoformat()),
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


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "record"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _post_row(
    sp: ScoredPost, *, state: ClueState, version: int, now: datetime, first_seen: datetime | None
) -> tuple[Any, ...]:
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
        p.captured_at.isoformat(),
        _iso(first_seen),
        p.content_hash,
        p.raw_hash,
        _dumps(p.extra),
        s.score,
        s.label,
        int(s.flagged),
        _dumps(s.categories),
        _dumps(s.model_categories),
        _dumps([m.model_dump() for m in s.matches]),
        _dumps([e.model_dump() for e in s.entities]),
        s.model_version,
        s.lexicon_version,
        state.value,
        sp.assignee,
        version,
        now.isoformat(),
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
    return ScoredPost(
        post=post,
        scores=scores,
        state=ClueState(row["state"]),
        version=row["version"],
        updated_at=datetime.fromisoformat(row["updated_at"]),
        assignee=row["assignee"],
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
