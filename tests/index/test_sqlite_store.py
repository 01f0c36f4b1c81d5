"""What only the SQLite backend has: the file, its migrations, triggers, crash safety
with a real kill -9, concurrent writers in separate processes, the query plans."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from cluewatch.errors import ConflictError, StoreError
from index.models import ClueState, Match, QueueFilter, Verdict, VerdictKind, utcnow
from index.sqlite import _BANDS, _CLUSTERS, MIGRATIONS, SQLiteStore
from tests.conftest import REPO
from tests.factories import make_post


def test_audit_log_is_append_only_and_tampering_is_detected(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    store.write_posts([make_post(1), make_post(2)])
    conn = sqlite3.connect(tmp_path / "store.db")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE audit_events SET actor='mallory'")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM audit_events")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit_events SET actor='mallory' WHERE seq=1")
    conn.commit()
    conn.close()
    problems = store.verify_audit_chain()
    assert problems and "event 1" in problems[0]


def test_reopening_keeps_data_and_schema_version(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path / "s.db")
    first.write_posts([make_post(1)])
    first.close()
    second = SQLiteStore(tmp_path / "s.db")
    assert second.count_posts() == 1
    assert second.schema_version == len(MIGRATIONS)


def test_a_newer_schema_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "s.db").close()
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute("INSERT INTO schema_migrations VALUES (99, 'later')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        SQLiteStore(tmp_path / "s.db")


def test_a_version_1_file_is_migrated_and_its_posts_become_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO schema_migrations VALUES (1, '2026-11-01T00:00:00+00:00')")
    sp = make_post(1, text="寻找代孕妈妈 电话 13800000001", contacts={"phone": "13800000001"})
    row = {
        "id": sp.post.id, "site": sp.post.site, "url": sp.post.url, "kind": "thread",
        "thread_id": None, "title": sp.post.title, "text": sp.post.text, "author": None,
        "published_at": None, "captured_at": "2026-11-01T16:00:00+08:00",
        "first_seen_at": "2026-11-01T16:00:01+08:00", "content_hash": sp.post.content_hash,
        "raw_hash": None, "extra": "{}", "score": 0.9, "label": "surrogacy", "flagged": 1,
        "categories": sp.scores.model_dump_json(include={"categories"})[14:-1],
        "model_categories": "{}", "matches": "[]",
        "entities": "[" + ",".join(e.model_dump_json() for e in sp.scores.entities) + "]",
        "model_version": "m", "lexicon_version": "l", "state": "registered", "assignee": None,
        "version": 1, "updated_at": "2026-11-01T08:00:01+00:00",
    }  # fmt: skip
    conn.execute(
        f"INSERT INTO posts ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )
    conn.commit()
    conn.close()

    store = SQLiteStore(path)
    assert store.schema_version == len(MIGRATIONS)
    migrated = store.get(sp.post.id)
    assert migrated.post.captured_at.isoformat() == "2026-11-01T08:00:00+00:00"
    assert [p.post.id for p in store.queue(QueueFilter(q="代孕")).items] == [sp.post.id]
    assert migrated.actor_id is not None
    assert store.actor(migrated.actor_id).contacts == ["phone:13800000001"]
    assert store.count_by_state()[ClueState.REGISTERED] == 1  # counted by migration 4


def test_state_counts_follow_every_change(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    posts = [make_post(n) for n in range(4)] + [make_post(9, score=0.1)]
    store.write_posts(posts)
    ids = [sp.post.id for sp in posts]

    def counted() -> dict[ClueState, int]:
        real = {state: 0 for state in ClueState}
        for (state,) in store._conn().execute("SELECT state FROM posts"):
            real[ClueState(state)] += 1
        assert store.count_by_state() == real
        return real

    assert counted()[ClueState.REGISTERED] == 4
    store.record_verdict(Verdict(post_id=ids[0], kind=VerdictKind.CONFIRM, analyst="a"))
    store.record_verdict(Verdict(post_id=ids[1], kind=VerdictKind.DISMISS, analyst="a"))
    store.record_verdict(Verdict(post_id=ids[1], kind=VerdictKind.DISMISS, analyst="a"))
    store.assign(ids[2], "a", by="a")  # no state change
    store.mark_transferred([ids[0]], "bundle-1", by="l")
    store.write_posts([make_post(3, text="改过的文字")])  # new content, same post
    store.purge_dismissed(utcnow() + timedelta(seconds=1), by="admin")
    final = counted()
    assert final[ClueState.TRANSFERRED] == 1 and final[ClueState.DISMISSED] == 0
    assert final[ClueState.UNFLAGGED] == 1 and sum(final.values()) == store.count_posts() == 4


REPOSTED = "本人诚心送养一名男宝宝，出生三个月，身体健康，需要营养费，有意者加微信联系fake_bb_01"


def _reposts(n: int) -> list[str]:
    return [REPOSTED.replace("01", f"{k:02d}").replace("身体", "身体很" if k % 2 else "身体")
            for k in range(2, 2 + n)]  # fmt: skip


def _unrelated(n: int) -> list[str]:
    rng = random.Random(n)
    return ["".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(40)) for _ in range(n)]


def _band_rows(store: SQLiteStore) -> tuple[int, int]:
    conn = store._conn()
    return tuple(  # type: ignore[return-value]
        conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("minhash_bands", "minhash_bands_new")
    )


def test_band_rows_wait_in_a_pending_table_and_reposts_are_found_on_both_sides_of_a_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_BANDS, "merge_rows", 40)
    monkeypatch.setattr(_CLUSTERS, "merge_rows", 2)
    store = SQLiteStore(tmp_path / "s.db")
    store.write_posts([make_post(1, text=REPOSTED)])
    assert _band_rows(store) == (0, 12)
    first = store.get(make_post(1).post.id)
    reposts = _reposts(2)
    store.write_posts([make_post(2, text=reposts[0])])  # found in the pending table
    assert store.get(make_post(2).post.id).cluster_id == first.cluster_id == first.post.id

    store.write_posts([make_post(10 + k, text=t) for k, t in enumerate(_unrelated(3))])
    main, pending = _band_rows(store)
    assert pending == 0 and main >= 12 + 3 * 12  # merged, nothing lost
    store.write_posts([make_post(3, text=reposts[1])])  # found in the merged table
    assert store.get(make_post(3).post.id).cluster_id == first.cluster_id
    assert [sp.post.id for sp in store.cluster(first.post.id)] == [
        make_post(n).post.id for n in (1, 2, 3)
    ]

    # New content: the old band rows go from both tables, the new ones wait.
    store.write_posts([make_post(1, text=_unrelated(1)[0] + "改")])
    doc = (
        store._conn().execute("SELECT doc FROM posts WHERE id = ?", (first.post.id,)).fetchone()[0]
    )
    rows = (
        store._conn()
        .execute(
            "SELECT COUNT(*) FROM minhash_bands WHERE doc = ?1 UNION ALL "
            "SELECT COUNT(*) FROM minhash_bands_new WHERE doc = ?1",
            (doc,),
        )
        .fetchall()
    )
    assert [r[0] for r in rows] == [0, 12]

    # Cluster members were merged too; a purged member leaves its cluster.
    assert store._conn().execute("SELECT COUNT(*) FROM post_clusters").fetchone()[0] == 2
    member = make_post(3).post.id
    store.record_verdict(Verdict(post_id=member, kind=VerdictKind.DISMISS, analyst="a"))
    store.purge_dismissed(utcnow() + timedelta(seconds=1), by="admin")
    assert {sp.post.id for sp in store.cluster(first.post.id)} == {
        make_post(n).post.id for n in (1, 2)
    }


def test_a_version_4_file_keeps_its_clusters_and_counts_through_migrations_5_and_6(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v4.db"
    store = SQLiteStore(path)
    texts = [REPOSTED, *_reposts(2), *_unrelated(2)]
    store.write_posts([make_post(n, text=t) for n, t in enumerate(texts, start=1)])
    term = Match(
        term="送养", category="illegal_adoption", weight="strong", surface="送养",
        start=0, end=2, technique="plain",
    )  # fmt: skip
    store.write_posts(
        [make_post(6, text="送养", matches=[term], contacts={"phone": "13800000006"})]
    )
    before = {
        sp.post.id: sp.cluster_id
        for sp in store.get_many([make_post(n).post.id for n in range(1, 6)])
    }
    store.close()
    # The version 4 layout: no cluster beside the signature, every band, term and
    # entity row in one table, clusters found through an index on posts.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        """
        INSERT INTO minhash_bands SELECT band, doc FROM minhash_bands_new;
        DROP TABLE minhash_bands_new;
        DROP TABLE post_clusters;
        DROP TABLE post_clusters_new;
        INSERT INTO post_terms SELECT * FROM post_terms_new;
        DROP TABLE post_terms_new;
        INSERT INTO post_entities SELECT * FROM post_entities_new;
        DROP TABLE post_entities_new;
        DROP TABLE pending_rows;
        ALTER TABLE minhash DROP COLUMN cluster;
        CREATE INDEX posts_cluster ON posts (cluster_id, captured_at);
        DROP INDEX posts_thread;
        CREATE INDEX posts_thread ON posts (thread_id, captured_at);
        DROP INDEX posts_actor;
        CREATE INDEX posts_actor ON posts (actor_id, captured_at);
        CREATE TRIGGER posts_state_insert AFTER INSERT ON posts BEGIN
            UPDATE state_counts SET posts = posts + 1 WHERE state = NEW.state;
        END;
        DROP INDEX posts_score;
        DROP INDEX posts_time;
        DROP INDEX posts_assignee;
        DROP INDEX posts_state_score;
        CREATE INDEX posts_state_score ON posts (state, score DESC, id);
        CREATE INDEX posts_raw_hash ON posts (raw_hash);
        DELETE FROM schema_migrations WHERE version >= 5;
        """
    )
    conn.close()

    store = SQLiteStore(path)
    assert store.schema_version == len(MIGRATIONS) == 8
    first = make_post(1).post.id
    assert [sp.post.id for sp in store.cluster(first)] == [make_post(n).post.id for n in (1, 2, 3)]
    assert [sp.post.id for sp in store.queue(QueueFilter(cluster_id=first, states=[])).items] == [
        make_post(n).post.id for n in (1, 2, 3)
    ]
    assert {sp.post.id: sp.cluster_id for sp in store.get_many(list(before))} == before
    store.write_posts([make_post(9, text=_reposts(3)[2])])
    assert store.get(make_post(9).post.id).cluster_id == first
    for flt in (QueueFilter(term="送养"), QueueFilter(entity="13800000006")):
        assert [sp.post.id for sp in store.queue(flt).items] == [make_post(6).post.id]
    # Migration 6: posts per state are counted by the write, not by a trigger per row.
    assert sum(store.count_by_state().values()) == store.count_posts() == 7
    conn = store._conn()
    indexes = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    assert "WHERE thread_id IS NOT NULL" in indexes["posts_thread"]
    assert "WHERE actor_id IS NOT NULL" in indexes["posts_actor"]
    # Migration 8: no evidence-hash index; the state index leaves out unflagged posts.
    assert "posts_raw_hash" not in indexes
    assert "WHERE state != 'unflagged'" in indexes["posts_state_score"]
    assert "(captured_at DESC, id, state)" in indexes["posts_time"]
    actor = store.get(make_post(6).post.id).actor_id
    assert actor and [sp.post.id for sp in store.actor_posts(actor)] == [make_post(6).post.id]


def _indexes_used(
    conn: sqlite3.Connection, where: list[str], params: list[object], order: str
) -> tuple[list[str], str]:
    """The indexes a queue query reads, and its whole plan."""
    from index.sqlite import _SELECT

    sql = f"EXPLAIN QUERY PLAN {_SELECT} WHERE {' AND '.join(where) or 1}{order}"
    plan = " ".join(str(row[3]) for row in conn.execute(sql, params))
    return re.findall(r"INDEX (\w+)", plan), plan


def test_the_open_queue_is_served_by_its_partial_indexes(tmp_path: Path) -> None:
    from index.sqlite import _queue_where

    # An empty file: the plans come from the statistics the store seeds, not from data.
    store = SQLiteStore(tmp_path / "s.db")
    conn = store._conn()
    for flt, index in (
        (QueueFilter(), "posts_open_score"),
        (QueueFilter(sort="time"), "posts_open_time"),
        (QueueFilter(category="surrogacy"), "posts_open_label"),
        (QueueFilter(site="forum-a"), "posts_open_site"),
        (QueueFilter(site="forum-a", sort="time"), "posts_open_site_time"),
        (QueueFilter(states=[ClueState.CONFIRMED]), "posts_state_score"),
        # Unflagged posts are most of a crawl: read in score order, kept by the filter.
        (QueueFilter(states=[ClueState.UNFLAGGED]), "posts_score"),
        (QueueFilter(states=[ClueState.UNFLAGGED], sort="time"), "posts_time"),
        (QueueFilter(states=list(ClueState), sort="time"), "posts_time"),
        (QueueFilter(states=list(ClueState), assignee="analyst-1"), "posts_assignee"),
    ):
        where, params = _queue_where(flt)
        order = "score DESC, id" if flt.sort == "score" else "captured_at DESC, id"
        used, plan = _indexes_used(conn, where, params, f" ORDER BY {order} LIMIT 51")
        assert used == [index] and "TEMP B-TREE" not in plan, (flt, plan)
    # Several flagged states: their posts come from the state index and are sorted.
    where, params = _queue_where(QueueFilter(states=[ClueState.DISMISSED, ClueState.CONFIRMED]))
    used, plan = _indexes_used(conn, where, params, "")
    assert used == ["posts_state_score"], plan


WRITER = textwrap.dedent(
    """
    import sys
    from index.sqlite import SQLiteStore
    from tests.factories import make_post

    store = SQLiteStore(sys.argv[1])
    start, batches, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for b in range(batches):
        first = start + b * size
        store.write_posts(
            [make_post(n, score=0.9, text=f"第{n}号帖子 代孕 加微信 fake_{n:06d}") for n in range(first, first + size)]
        )
        print(f"ACK {first + size - 1}", flush=True)
    """
)


def _writer(db: Path, start: int, batches: int, size: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(start), str(batches), str(size)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def test_kill_9_during_bulk_writes_loses_no_acknowledged_post(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    SQLiteStore(db).close()
    writer = _writer(db, 1, 1000, 100)
    assert writer.stdout is not None
    acknowledged = 0
    for line in writer.stdout:
        acknowledged = int(line.split()[1])
        if acknowledged >= 800:
            break
    os.kill(writer.pid, signal.SIGKILL)  # mid-way through the next batch
    writer.communicate()
    assert acknowledged >= 800

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = SQLiteStore(db)
    stored = store.count_posts()
    assert stored >= acknowledged and stored % 100 == 0  # whole batches or nothing
    present = store.content_hashes(make_post(n).post.id for n in range(1, acknowledged + 1))
    assert len(present) == acknowledged
    assert len(store.queue(QueueFilter(q="代孕", limit=500)).items) == 500
    assert store.verify_audit_chain() == []
    # The store takes writes again after the crash.
    assert store.write_posts([make_post(10**6)]).new == 1


def test_a_crawler_process_and_analysts_write_concurrently_without_losing_updates(
    tmp_path: Path,
) -> None:
    db = tmp_path / "shared.db"
    store = SQLiteStore(db)
    store.write_posts([make_post(n, score=0.9) for n in range(1, 101)])
    crawler = _writer(db, 1000, 30, 50)

    outcomes: dict[str, list[str]] = {"alice": [], "bob": []}
    errors: list[BaseException] = []

    def analyst(name: str, kind: VerdictKind) -> None:
        mine = SQLiteStore(db)
        try:
            for n in range(1, 101):
                post_id = make_post(n).post.id
                current = mine.get(post_id)
                try:
                    mine.record_verdict(
                        Verdict(post_id=post_id, kind=kind, analyst=name),
                        expected_version=current.version,
                    )
                    outcomes[name].append(post_id)
                except ConflictError:
                    pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            mine.close()

    threads = [
        threading.Thread(target=analyst, args=("alice", VerdictKind.CONFIRM)),
        threading.Thread(target=analyst, args=("bob", VerdictKind.DISMISS)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _, stderr = crawler.communicate(timeout=120)
    assert crawler.returncode == 0, stderr
    assert not errors

    assert store.count_posts() == 100 + 30 * 50
    verdicts = 0
    for n in range(1, 101):
        post_id = make_post(n).post.id
        given = store.verdicts(post_id)
        verdicts += len(given)
        # The state is the last verdict that was accepted: no update was lost.
        expected = (
            ClueState.CONFIRMED if given[-1].kind is VerdictKind.CONFIRM else ClueState.DISMISSED
        )
        assert store.get(post_id).state is expected
        assert store.get(post_id).version == 1 + len(given)
    assert verdicts == len(outcomes["alice"]) + len(outcomes["bob"])
    assert store.verify_audit_chain() == []


def test_a_common_word_is_searched_in_score_order_with_the_same_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.sqlite as sqlite_store

    store = SQLiteStore(tmp_path / "s.db")
    store.write_posts(
        [
            make_post(
                n,
                title="",
                text=f"第{n}条 出租房屋 联系电话 请私信{'' if n % 3 else ' 急需'}",
                score=round(0.05 + (n * 37 % 90) / 100, 2),
            )
            for n in range(1, 41)
        ]
    )
    filters = [
        QueueFilter(q="电话", limit=7),
        QueueFilter(q="电话", states=list(ClueState), limit=7),
        QueueFilter(q="急需", states=list(ClueState), limit=5),
    ]

    def pages(flt: QueueFilter) -> list[list[str]]:
        out, cursor = [], None
        while True:
            page = store.queue(flt.model_copy(update={"cursor": cursor}))
            out.append([sp.post.id for sp in page.items])
            if not (cursor := page.next_cursor):
                return out

    listed_first = [pages(flt) for flt in filters]
    monkeypatch.setattr(sqlite_store, "FREQUENT_MATCHES", 10)
    assert store._frequent_search(filters[0]) and store._frequent_search(filters[2])
    assert not store._frequent_search(filters[0].model_copy(update={"sort": "time"}))
    assert [pages(flt) for flt in filters] == listed_first
    assert sum(len(page) for page in listed_first[1]) == 40
    where, params = sqlite_store._queue_where(filters[1], match_as_filter=True)
    plan = " ".join(
        str(row[3])
        for row in store._conn().execute(
            f"EXPLAIN QUERY PLAN {sqlite_store._SELECT} WHERE {' AND '.join(where)} "
            "ORDER BY score DESC, id LIMIT 8",
            params,
        )
    )
    assert "USING INDEX posts_score" in plan and "state IN" not in " ".join(where)


def _open_at(path: str, start: float, results: object) -> None:
    import time

    while time.time() < start:
        pass
    try:
        store = SQLiteStore(path)
        results.put(store.schema_version)  # type: ignore[attr-defined]
        store.close()
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]


def test_processes_opening_one_new_store_at_once_all_open_it(tmp_path: Path) -> None:
    # Crawler processes sharing a crawl open the shared store together. Switching a
    # new file to WAL can answer "database is locked" at once, without SQLite's busy
    # wait; before the store retried, about one trial in ten of three processes failed.
    import multiprocessing
    import time

    context = multiprocessing.get_context("fork")
    for trial in range(12):
        path = str(tmp_path / f"{trial}.db")
        results = context.Queue()
        start = time.time() + 0.2
        processes = [
            context.Process(target=_open_at, args=(path, start, results)) for _ in range(4)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        outcomes = [results.get(timeout=5) for _ in processes]
        assert outcomes == [len(MIGRATIONS)] * 4, (trial, outcomes)
