"""The SQLite store: bulk writes, validation at the boundary, verdicts, history, audit chain."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cluewatch.errors import ConflictError, NotFound
from index.models import ClueState, QueueFilter, Verdict, VerdictKind
from index.sqlite import SQLiteStore
from tests.factories import make_post


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "store.db")


def test_new_flagged_posts_are_registered_and_queued_by_score(store: SQLiteStore) -> None:
    result = store.write_posts(
        [make_post(1, score=0.7), make_post(2, score=0.95), make_post(3, score=0.2)]
    )
    assert (result.new, result.changed, result.unchanged) == (3, 0, 0)
    queue = store.queue(QueueFilter())
    assert [sp.scores.score for sp in queue] == [0.95, 0.7]
    assert all(sp.state is ClueState.REGISTERED for sp in queue)
    assert store.get(make_post(3).post.id).state is ClueState.UNFLAGGED
    assert store.count_by_state()[ClueState.REGISTERED] == 2


def test_unchanged_repost_is_not_rewritten_and_changed_one_keeps_history(
    store: SQLiteStore,
) -> None:
    store.write_posts([make_post(1, text="原文 代孕 加微信 fake_a_01")])
    again = store.write_posts([make_post(1, text="原文 代孕 加微信 fake_a_01")])
    assert again.unchanged == 1 and again.written == 0
    edited = store.write_posts([make_post(1, text="修改后 代孕 加微信 fake_a_02")])
    assert edited.changed == 1
    post_id = make_post(1).post.id
    assert store.get(post_id).post.text.startswith("修改后")
    history = store.history(post_id)
    assert [h["text"] for h in history] == ["原文 代孕 加微信 fake_a_01"]
    assert store.get(post_id).version == 2


def test_bad_records_are_rejected_with_reason_and_the_rest_is_written(store: SQLiteStore) -> None:
    good = make_post(1)
    bad = good.model_dump(mode="json")
    bad["post"]["url"] = "ftp://nowhere"
    missing = good.model_dump(mode="json")
    del missing["scores"]["categories"]["surrogacy"]
    result = store.write_posts([bad, good, missing])
    assert result.new == 1
    assert [position for position, _ in result.rejected] == [0, 2]
    assert "url" in result.rejected[0][1]
    assert "categories" in result.rejected[1][1]


def test_offsets_outside_the_text_are_rejected(store: SQLiteStore) -> None:
    from index.models import Match

    record = make_post(1, text="短文").model_dump(mode="json")
    record["scores"]["matches"] = [
        Match(
            term="代孕", category="surrogacy", weight="strong", surface="代孕", start=50, end=52
        ).model_dump()
    ]
    result = store.write_posts([record])
    assert result.new == 0 and "outside the scored text" in result.rejected[0][1]


def test_verdict_moves_state_and_is_audited_in_a_hash_chain(store: SQLiteStore) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    updated = store.record_verdict(
        Verdict(post_id=sp.post.id, kind=VerdictKind.CONFIRM, analyst="alice", note="联系方式可查"),
        expected_version=1,
    )
    assert updated.state is ClueState.CONFIRMED
    assert [v.analyst for v in store.verdicts(sp.post.id)] == ["alice"]
    actions = [e.action for e in store.audit_events(post_id=sp.post.id)]
    assert actions == ["verdict.confirm", "register"]
    assert store.verify_audit_chain() == []


def test_stale_version_is_a_conflict_not_a_lost_update(store: SQLiteStore) -> None:
    sp = make_post(1)
    store.write_posts([sp])
    store.record_verdict(
        Verdict(post_id=sp.post.id, kind=VerdictKind.DISMISS, analyst="a"), expected_version=1
    )
    with pytest.raises(ConflictError):
        store.record_verdict(
            Verdict(post_id=sp.post.id, kind=VerdictKind.CONFIRM, analyst="b"), expected_version=1
        )
    assert store.get(sp.post.id).state is ClueState.DISMISSED


def test_unknown_post_is_not_found(store: SQLiteStore) -> None:
    with pytest.raises(NotFound):
        store.get("nope")


def test_audit_log_is_append_only_and_tampering_is_detected(
    store: SQLiteStore, tmp_path: Path
) -> None:
    store.write_posts([make_post(1), make_post(2)])
    conn = sqlite3.connect(tmp_path / "store.db")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE audit_events SET actor='mallory'")
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
    assert second.schema_version == 1
