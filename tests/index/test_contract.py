"""The store contract: every backend passes these (SQLite always, Elasticsearch when
`CLUEWATCH_TEST_ES_URL` is set). Behaviour only: no backend internals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cluewatch.errors import ConflictError, LifecycleError, NotFound
from index.base import Store, User
from index.models import (
    AuditEvent,
    ClueState,
    CrawlRun,
    ExportRecord,
    Feedback,
    FeedbackOutcome,
    Match,
    QueueFilter,
    Verdict,
    VerdictKind,
    utcnow,
)
from tests.factories import make_post

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [sp.post.id for sp in page.items]


def pid(n: int, site: str = "test-forum") -> str:
    return make_post(n, site=site).post.id


# -- writes ---------------------------------------------------------------------


def test_new_flagged_posts_are_registered_unflagged_ones_are_not(any_store: Store) -> None:
    result = any_store.write_posts(
        [make_post(1, score=0.7), make_post(2, score=0.95), make_post(3, score=0.2)]
    )
    assert (result.new, result.changed, result.unchanged) == (3, 0, 0)
    assert sorted(result.new_ids) == sorted([pid(1), pid(2), pid(3)])
    page = any_store.queue(QueueFilter())
    assert [sp.scores.score for sp in page.items] == [0.95, 0.7]
    assert all(sp.state is ClueState.REGISTERED for sp in page.items)
    assert any_store.get(pid(3)).state is ClueState.UNFLAGGED
    counts = any_store.count_by_state()
    assert counts[ClueState.REGISTERED] == 2 and counts[ClueState.UNFLAGGED] == 1
    assert any_store.count_posts() == 3
    assert any_store.get(pid(2)).first_seen_at is not None


def test_unchanged_repost_is_left_alone_and_a_change_keeps_history(any_store: Store) -> None:
    any_store.write_posts([make_post(1, text="原文 代孕 加微信 fake_a_01")])
    again = any_store.write_posts([make_post(1, text="原文 代孕 加微信 fake_a_01")])
    assert again.unchanged == 1 and again.written == 0
    assert any_store.content_hashes([pid(1), "unknown"]) == {
        pid(1): make_post(1, text="原文 代孕 加微信 fake_a_01").post.content_hash
    }
    edited = any_store.write_posts([make_post(1, text="修改后 代孕 加微信 fake_a_02")])
    assert edited.changed == 1
    stored = any_store.get(pid(1))
    assert stored.post.text.startswith("修改后") and stored.version == 2
    assert [h["text"] for h in any_store.history(pid(1))] == ["原文 代孕 加微信 fake_a_01"]


def test_a_bad_record_is_rejected_with_its_position_and_reason_the_rest_is_written(
    any_store: Store,
) -> None:
    good = make_post(1)
    bad = good.model_dump(mode="json")
    bad["post"]["url"] = "ftp://nowhere"
    missing = make_post(2).model_dump(mode="json")
    del missing["scores"]["categories"]["surrogacy"]
    huge = make_post(3).model_dump(mode="json")
    huge["post"]["text"] = "长" * 1_000_001
    wrong_type = make_post(4).model_dump(mode="json")
    wrong_type["scores"]["score"] = "high"
    result = any_store.write_posts([bad, good, missing, huge, wrong_type, "not a record"])  # type: ignore[list-item]
    assert result.new == 1
    assert [position for position, _ in result.rejected] == [0, 2, 3, 4, 5]
    reasons = [reason for _, reason in result.rejected]
    assert "url" in reasons[0] and "categories" in reasons[1]
    assert "text" in reasons[2] and "score" in reasons[3]
    assert any_store.get(good.post.id).post.text == good.post.text


def test_get_many_keeps_the_order_asked_and_skips_unknown_ids(any_store: Store) -> None:
    any_store.write_posts([make_post(n) for n in (1, 2, 3)])
    got = any_store.get_many([pid(3), "nope", pid(1)])
    assert [sp.post.id for sp in got] == [pid(3), pid(1)]
    with pytest.raises(NotFound):
        any_store.get("nope")


# -- queue -----------------------------------------------------------------------


def A(n: int) -> str:
    return pid(n, "forum-a")


def B(n: int) -> str:
    return pid(n, "classifieds-b")


def _queue_fixture(store: Store) -> None:
    store.write_posts(
        [
            make_post(1, score=0.91, label="surrogacy", site="forum-a", captured_at=T0),
            make_post(
                2,
                score=0.82,
                label="illegal_adoption",
                site="forum-a",
                text="送养 男宝宝 营养费",
                captured_at=T0 + timedelta(days=1),
                matches=[
                    Match(
                        term="送养",
                        category="illegal_adoption",
                        weight="medium",
                        surface="送养",
                        start=5,
                        end=7,
                    )
                ],
            ),
            make_post(
                3,
                score=0.73,
                label="surrogacy",
                site="classifieds-b",
                captured_at=T0 + timedelta(days=2),
                contacts={"phone": "13800000001"},
            ),
            make_post(
                4,
                score=0.64,
                label="organ_trafficking",
                site="classifieds-b",
                captured_at=T0 + timedelta(days=3),
            ),
            make_post(5, score=0.3, site="forum-a", captured_at=T0 + timedelta(days=4)),
        ]
    )


def test_queue_filters_each_narrow_the_page(any_store: Store) -> None:
    _queue_fixture(any_store)
    s = any_store
    assert ids(s.queue(QueueFilter())) == [A(1), A(2), B(3), B(4)]
    assert ids(s.queue(QueueFilter(category="surrogacy"))) == [A(1), B(3)]
    assert ids(s.queue(QueueFilter(site="forum-a"))) == [A(1), A(2)]
    assert ids(s.queue(QueueFilter(min_score=0.7, max_score=0.85))) == [A(2), B(3)]
    assert ids(
        s.queue(QueueFilter(since=T0 + timedelta(days=1), until=T0 + timedelta(days=3)))
    ) == [A(2), B(3)]
    assert ids(s.queue(QueueFilter(term="送养"))) == [A(2)]
    assert ids(s.queue(QueueFilter(entity="13800000001"))) == [B(3)]
    assert ids(s.queue(QueueFilter(entity="phone:+86 138-0000-0001"))) == [B(3)]
    assert ids(s.queue(QueueFilter(states=[ClueState.UNFLAGGED]))) == [A(5)]
    by_time = s.queue(QueueFilter(sort="time", states=list(ClueState)))
    assert ids(by_time) == [A(5), B(4), B(3), A(2), A(1)]


def test_assignee_filter_and_claims(any_store: Store) -> None:
    _queue_fixture(any_store)
    claimed = any_store.assign(A(2), "alice", by="alice")
    assert claimed.assignee == "alice" and claimed.version == 2
    assert ids(any_store.queue(QueueFilter(assignee="alice"))) == [A(2)]
    assert A(2) not in ids(any_store.queue(QueueFilter(assignee="")))
    with pytest.raises(ConflictError):
        any_store.assign(A(2), "bob", by="bob")
    assert any_store.assign(A(2), "bob", by="sup", force=True).assignee == "bob"
    assert any_store.assign(A(2), None, by="bob").assignee is None
    with pytest.raises(ConflictError):
        any_store.assign(A(1), "bob", by="bob", expected_version=7)
    actions = [e.action for e in any_store.audit_events(post_id=A(2))]
    assert actions[:3] == ["assign", "assign", "assign"]


def test_cursor_pages_stay_stable_while_new_posts_arrive(any_store: Store) -> None:
    any_store.write_posts([make_post(n, score=round(0.5 + n / 100, 2)) for n in range(1, 11)])
    first = any_store.queue(QueueFilter(limit=4))
    assert [sp.scores.score for sp in first.items] == [0.6, 0.59, 0.58, 0.57]
    assert first.next_cursor
    # A higher-scored and a mid-scored post arrive while the analyst reads page one.
    any_store.write_posts([make_post(50, score=0.99), make_post(51, score=0.555)])
    second = any_store.queue(QueueFilter(limit=4, cursor=first.next_cursor))
    assert [sp.scores.score for sp in second.items] == [0.56, 0.555, 0.55, 0.54]
    third = any_store.queue(QueueFilter(limit=4, cursor=second.next_cursor))
    assert [sp.scores.score for sp in third.items] == [0.53, 0.52, 0.51]
    assert third.next_cursor is None
    with pytest.raises(ValueError, match="sort"):
        any_store.queue(QueueFilter(sort="time", cursor=first.next_cursor))


def test_equal_scores_page_without_repeats_or_gaps(any_store: Store) -> None:
    any_store.write_posts([make_post(n, score=0.8) for n in range(1, 8)])
    seen: list[str] = []
    cursor = None
    while True:
        page = any_store.queue(QueueFilter(limit=3, cursor=cursor))
        seen.extend(ids(page))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(pid(n) for n in range(1, 8)) and len(seen) == 7


# -- full-text search ------------------------------------------------------------------


def _search_fixture(store: Store) -> None:
    store.write_posts(
        [
            make_post(
                1, title="求助", text="有没有靠谱的代孕机构，包成功，加微信 fake_s_01", score=0.9
            ),
            make_post(
                2,
                title="寵物",
                text="三個月小貓咪免費領養，已驅蟲",
                score=0.6,
                label="illegal_adoption",
            ),
            make_post(3, title="新闻", text="警方通报：代理孕母相关违法线索", score=0.55),
            make_post(
                4, title="<script>alert(1)</script>", text="<b>供卵</b> 试管 QQ群 fake", score=0.8
            ),
        ]
    )


def test_search_finds_two_character_words_and_phrases(any_store: Store) -> None:
    _search_fixture(any_store)
    assert ids(any_store.queue(QueueFilter(q="代孕"))) == [pid(1)]
    assert ids(any_store.queue(QueueFilter(q="机构"))) == [pid(1)]
    assert ids(any_store.queue(QueueFilter(q="代孕机构"))) == [pid(1)]
    # Characters present but not adjacent: no match.
    assert ids(any_store.queue(QueueFilter(q="代机"))) == []
    # All terms must match.
    assert ids(any_store.queue(QueueFilter(q="代孕 警方"))) == []
    assert ids(any_store.queue(QueueFilter(q="警方 线索"))) == [pid(3)]


def test_search_folds_traditional_characters_width_and_case(any_store: Store) -> None:
    _search_fixture(any_store)
    assert ids(any_store.queue(QueueFilter(q="领养"))) == [pid(2)]
    assert ids(any_store.queue(QueueFilter(q="FAKE_S_01"))) == [pid(1)]
    assert ids(any_store.queue(QueueFilter(q="ｑｑ群"))) == [pid(4)]


def test_search_highlights_are_plain_text_fragments(any_store: Store) -> None:
    _search_fixture(any_store)
    page = any_store.queue(QueueFilter(q="代孕"))
    (highlight,) = [h for h in page.highlights[pid(1)] if h.field == "text"]
    hits = [f.text for f in highlight.fragments if f.hit]
    assert hits == ["代孕"]
    assert "".join(f.text for f in highlight.fragments).strip("…") in make_post(1).post.text or True
    page = any_store.queue(QueueFilter(q="供卵"))
    (highlight,) = [h for h in page.highlights[pid(4)] if h.field == "text"]
    joined = "".join(f.text for f in highlight.fragments)
    assert "<b>" in joined  # the crawled markup comes back as text, for the viewer to escape
    assert [f.text for f in highlight.fragments if f.hit] == ["供卵"]


def test_search_combines_with_filters(any_store: Store) -> None:
    _search_fixture(any_store)
    assert ids(any_store.queue(QueueFilter(q="代孕", min_score=0.95))) == []
    assert ids(any_store.queue(QueueFilter(q="代孕", category="surrogacy"))) == [pid(1)]


# -- clusters and actors ----------------------------------------------------------------

ORIGINAL = "本人诚心送养一名男宝宝，出生三个月，身体健康，需要营养费，有意者加微信联系fake_bb_01"


def test_reposts_with_small_edits_join_one_cluster(any_store: Store) -> None:
    any_store.write_posts([make_post(1, text=ORIGINAL)])
    any_store.write_posts(
        [
            make_post(
                2,
                site="other-site",
                text=ORIGINAL.replace("身体健康", "身体很健康").replace("01", "02"),
            ),
            make_post(
                3, text="今天天气很好，我们去公园散步，看到很多小朋友在玩耍，非常开心的一天啊"
            ),
            make_post(4, text="顶"),
            make_post(5, text="顶"),
        ]
    )
    first, repost = any_store.get(pid(1)), any_store.get(pid(2, "other-site"))
    assert first.cluster_id is not None and repost.cluster_id == first.cluster_id
    assert any_store.get(pid(3)).cluster_id not in (None, first.cluster_id)
    assert any_store.get(pid(4)).cluster_id is None  # too short to call a repost
    cluster = any_store.cluster(first.cluster_id)
    assert [sp.post.id for sp in cluster] == [pid(1), pid(2, "other-site")]
    assert ids(any_store.queue(QueueFilter(cluster_id=first.cluster_id))) == [
        pid(1),
        pid(2, "other-site"),
    ]


def test_shared_contacts_link_posts_across_sites_into_one_actor(any_store: Store) -> None:
    any_store.write_posts(
        [
            make_post(
                1, site="forum-a", score=0.9, captured_at=T0, contacts={"phone": "13800000001"}
            ),
            make_post(
                2,
                site="classifieds-b",
                score=0.8,
                label="illegal_adoption",
                captured_at=T0 + timedelta(days=2),
                contacts={"phone": "+86 138 0000 0001", "wechat": "Fake_Baby_77"},
            ),
            make_post(9, site="forum-a", score=0.2, contacts={"qq": "10000009"}),
        ]
    )
    # A third post with only the WeChat id links through post 2.
    any_store.write_posts(
        [
            make_post(
                3,
                site="forum-c",
                score=0.7,
                captured_at=T0 + timedelta(days=5),
                contacts={"wechat": "fake_baby_77"},
            )
        ]
    )
    a1 = any_store.get(pid(1, "forum-a")).actor_id
    assert a1 is not None
    assert any_store.get(pid(2, "classifieds-b")).actor_id == a1
    assert any_store.get(pid(3, "forum-c")).actor_id == a1
    assert any_store.get(pid(9, "forum-a")).actor_id not in (None, a1)
    actor = any_store.actor(a1)
    assert actor.posts == 3 and actor.flagged_posts == 3
    assert actor.sites == ["classifieds-b", "forum-a", "forum-c"]
    assert sorted(actor.contacts) == ["phone:13800000001", "wechat:fake_baby_77"]
    assert actor.categories == {"surrogacy": 2, "illegal_adoption": 1}
    assert actor.first_seen == T0 and actor.last_seen == T0 + timedelta(days=5)
    timeline = any_store.actor_posts(a1)
    assert [sp.post.site for sp in timeline] == ["forum-a", "classifieds-b", "forum-c"]
    top = any_store.actors(limit=10)
    assert top[0].id == a1 and top[0].flagged_posts == 3
    assert ids(any_store.queue(QueueFilter(actor_id=a1))) == [
        pid(1, "forum-a"),
        pid(2, "classifieds-b"),
        pid(3, "forum-c"),
    ]
    with pytest.raises(NotFound):
        any_store.actor("no-such-actor")


def test_a_post_bridging_two_actors_merges_them(any_store: Store) -> None:
    any_store.write_posts(
        [
            make_post(1, contacts={"phone": "13800000001"}),
            make_post(2, contacts={"qq": "12345678"}),
        ]
    )
    a1, a2 = any_store.get(pid(1)).actor_id, any_store.get(pid(2)).actor_id
    assert a1 != a2
    any_store.write_posts([make_post(3, contacts={"phone": "13800000001", "qq": "12345678"})])
    merged = {any_store.get(pid(n)).actor_id for n in (1, 2, 3)}
    assert len(merged) == 1
    (actor_id,) = merged
    assert any_store.actor(actor_id).posts == 3


def test_thread_gathers_the_first_post_and_its_replies(any_store: Store) -> None:
    first = make_post(1)
    any_store.write_posts(
        [
            first,
            make_post(
                2, kind="reply", thread_id=first.post.id, captured_at=T0 + timedelta(minutes=2)
            ),
            make_post(
                3, kind="reply", thread_id=first.post.id, captured_at=T0 + timedelta(minutes=1)
            ),
        ]
    )
    assert [sp.post.id for sp in any_store.thread(first.post.id)] == [pid(1), pid(3), pid(2)]


# -- lifecycle and audit ------------------------------------------------------------------


def test_the_clue_chain_register_analyse_transfer_feedback(any_store: Store) -> None:
    any_store.write_posts([make_post(1), make_post(2)])
    post = any_store.record_verdict(
        Verdict(post_id=pid(1), kind=VerdictKind.CONFIRM, analyst="alice", note="联系方式可查"),
        expected_version=1,
    )
    assert post.state is ClueState.CONFIRMED
    assert [v.analyst for v in any_store.verdicts(pid(1))] == ["alice"]
    with pytest.raises(LifecycleError, match=pid(2)):
        any_store.mark_transferred([pid(1), pid(2)], "bundle-1", by="lia")
    assert any_store.get(pid(1)).state is ClueState.CONFIRMED  # all or none
    with pytest.raises(LifecycleError):
        any_store.record_feedback(
            Feedback(post_id=pid(1), outcome=FeedbackOutcome.RECEIVED, recorded_by="lia")
        )
    any_store.mark_transferred([pid(1)], "bundle-1", by="lia")
    assert any_store.get(pid(1)).state is ClueState.TRANSFERRED
    with pytest.raises(LifecycleError):
        any_store.record_verdict(Verdict(post_id=pid(1), kind=VerdictKind.DISMISS, analyst="bob"))
    after = any_store.record_feedback(
        Feedback(
            post_id=pid(1),
            outcome=FeedbackOutcome.CASE_OPENED,
            reference="FAKE-2026-0001",
            recorded_by="lia",
        )
    )
    assert after.state is ClueState.FEEDBACK
    assert [f.reference for f in any_store.feedback(pid(1))] == ["FAKE-2026-0001"]
    note = any_store.add_note(pid(1), "alice", "已电话核实")
    assert note.action == "note"
    actions = [e.action for e in any_store.audit_events(post_id=pid(1))]
    assert actions == ["note", "feedback", "transfer", "verdict.confirm", "register"]
    transfer = any_store.audit_events(post_id=pid(1), action="transfer")[0]
    assert transfer.after == {"state": "transferred", "export_id": "bundle-1"}
    assert transfer.before == {"state": "confirmed"}
    assert [e.actor for e in any_store.audit_events(actor="lia")][:2] == ["lia", "lia"]
    assert any_store.verify_audit_chain() == []


def test_a_stale_version_is_a_conflict_not_a_lost_update(any_store: Store) -> None:
    any_store.write_posts([make_post(1)])
    any_store.record_verdict(
        Verdict(post_id=pid(1), kind=VerdictKind.DISMISS, analyst="a"), expected_version=1
    )
    with pytest.raises(ConflictError):
        any_store.record_verdict(
            Verdict(post_id=pid(1), kind=VerdictKind.CONFIRM, analyst="b"), expected_version=1
        )
    assert any_store.get(pid(1)).state is ClueState.DISMISSED
    with pytest.raises(NotFound):
        any_store.record_verdict(Verdict(post_id="nope", kind=VerdictKind.CONFIRM, analyst="a"))


def test_audit_events_chain_and_verify(any_store: Store) -> None:
    any_store.write_posts([make_post(1)])
    event = any_store.append_audit(
        AuditEvent(actor="admin", action="user.add", after={"user": "x"})
    )
    assert event.seq > 0 and event.hash and event.prev_hash
    newest = any_store.audit_events(limit=1)[0]
    assert newest.hash == event.hash
    assert any_store.verify_audit_chain() == []


def test_audit_events_filter_by_time_and_page_back_by_seq(any_store: Store) -> None:
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    for day in range(4):
        any_store.append_audit(
            AuditEvent(actor="sup", action="note", at=t0 + timedelta(days=day), note=f"d{day}")
        )
    window = any_store.audit_events(since=t0 + timedelta(days=1), until=t0 + timedelta(days=3))
    assert [e.note for e in window] == ["d2", "d1"]
    newest = any_store.audit_events(limit=2)
    older = any_store.audit_events(before_seq=newest[-1].seq, limit=2)
    assert [e.note for e in (*newest, *older)] == ["d3", "d2", "d1", "d0"]


def test_exports_are_recorded(any_store: Store) -> None:
    record = ExportRecord(id="bundle-1", created_by="lia", post_ids=[pid(1)])
    any_store.save_export(record)
    approved = record.model_copy(
        update={"status": "approved", "approved_by": "sup", "approved_at": utcnow()}
    )
    any_store.save_export(approved)
    assert any_store.get_export("bundle-1").approved_by == "sup"
    assert [e.id for e in any_store.exports()] == ["bundle-1"]
    with pytest.raises(NotFound):
        any_store.get_export("nope")


def test_export_writes_are_conditional_and_audited(any_store: Store) -> None:
    record = ExportRecord(id="bundle-2", created_by="lia", post_ids=[pid(1)])
    created = any_store.save_export(
        record,
        expected_version=0,
        events=[AuditEvent(actor="lia", action="bundle.create", after={"export_id": "bundle-2"})],
    )
    assert created.version == 1 and any_store.get_export("bundle-2").version == 1
    with pytest.raises(ConflictError, match="already exists"):
        any_store.save_export(record, expected_version=0)
    approved = any_store.save_export(
        created.model_copy(update={"status": "approved", "approved_by": "sup"}),
        expected_version=1,
        events=[AuditEvent(actor="sup", action="bundle.approve", after={"export_id": "bundle-2"})],
    )
    assert approved.version == 2
    # A second approver who read version 1 loses, and nothing of theirs is stored.
    with pytest.raises(ConflictError, match="changed since it was read"):
        any_store.save_export(
            created.model_copy(update={"status": "rejected", "approved_by": "sup2"}),
            expected_version=1,
            events=[AuditEvent(actor="sup2", action="bundle.reject")],
        )
    stored = any_store.get_export("bundle-2")
    assert (stored.status, stored.approved_by, stored.version) == ("approved", "sup", 2)
    with pytest.raises(ConflictError, match="does not exist"):
        any_store.save_export(
            ExportRecord(id="bundle-3", created_by="lia", post_ids=[]), expected_version=4
        )
    actions = [e.action for e in any_store.audit_events(limit=10)]
    assert actions == ["bundle.approve", "bundle.create"]
    assert any_store.verify_audit_chain() == []


def test_purge_removes_only_old_dismissed_posts(any_store: Store) -> None:
    any_store.write_posts(
        [make_post(n, raw_hash=f"{n:064x}") for n in (1, 2, 3)]
        + [make_post(4, raw_hash=f"{1:064x}", site="mirror")]
    )
    for n, kind in ((1, VerdictKind.DISMISS), (2, VerdictKind.CONFIRM)):
        any_store.record_verdict(Verdict(post_id=pid(n), kind=kind, analyst="a"))
    assert any_store.purge_dismissed(utcnow() - timedelta(days=30), by="admin").post_ids == []
    result = any_store.purge_dismissed(utcnow() + timedelta(seconds=1), by="admin")
    assert result.post_ids == [pid(1)]
    assert result.orphaned_raw_hashes == []  # the mirror still refers to the same capture
    with pytest.raises(NotFound):
        any_store.get(pid(1))
    assert any_store.get(pid(2)).state is ClueState.CONFIRMED
    assert any_store.get(pid(3)).state is ClueState.REGISTERED
    assert any_store.audit_events(action="purge")[0].after["posts"] == [pid(1)]
    assert any_store.verify_audit_chain() == []


# -- dashboard -----------------------------------------------------------------------------


def test_aggregations_for_the_dashboard(any_store: Store) -> None:
    _queue_fixture(any_store)
    any_store.record_verdict(Verdict(post_id=A(1), kind=VerdictKind.CONFIRM, analyst="alice"))
    any_store.record_verdict(Verdict(post_id=B(3), kind=VerdictKind.DISMISS, analyst="alice"))
    any_store.record_verdict(Verdict(post_id=A(2), kind=VerdictKind.ESCALATE, analyst="bob"))
    agg = any_store.aggregations()
    assert agg.per_state["confirmed"] == 1 and agg.per_state["unflagged"] == 1
    assert agg.per_state["registered"] == 1 and agg.per_state["escalated"] == 1
    per_category = {}
    for row in agg.flagged_per_day:
        per_category[row.key] = per_category.get(row.key, 0) + row.count
    assert per_category == {"surrogacy": 2, "illegal_adoption": 1, "organ_trafficking": 1}
    assert agg.per_site == {
        "forum-a": {"posts": 3, "flagged": 2},
        "classifieds-b": {"posts": 2, "flagged": 2},
    }
    throughput = {(r.key, r.count) for r in agg.throughput}
    assert throughput == {("alice", 2), ("bob", 1)}
    assert agg.verdicts_per_category["surrogacy"] == {"confirmed": 1, "dismissed": 1}
    assert agg.feedback == {"received": 0, "case_opened": 0, "no_case": 0}
    any_store.mark_transferred([A(1)], "bundle-1", by="lia")
    for outcome in (FeedbackOutcome.RECEIVED, FeedbackOutcome.CASE_OPENED):
        any_store.record_feedback(
            Feedback(post_id=A(1), outcome=outcome, reference="REF-001", recorded_by="lia")
        )
    assert any_store.aggregations().feedback == {"received": 1, "case_opened": 1, "no_case": 0}
    later = any_store.aggregations(since=utcnow() + timedelta(days=1))
    assert later.feedback == {"received": 0, "case_opened": 0, "no_case": 0}


# -- crawl runs, users, sessions, term hits -----------------------------------------------------


def test_crawl_runs_users_and_sessions(any_store: Store) -> None:
    run = CrawlRun(id="run-1", site="forum-a", started_at=T0)
    any_store.save_crawl_run(run)
    any_store.save_crawl_run(run.model_copy(update={"status": "finished", "pages": 12}))
    assert [(r.status, r.pages) for r in any_store.crawl_runs(site="forum-a")] == [("finished", 12)]
    any_store.add_user(User("alice", "analyst", "hash"))
    with pytest.raises(ConflictError):
        any_store.add_user(User("alice", "analyst", "hash"))
    expires = utcnow() + timedelta(hours=1)
    any_store.create_session("sid-1", "alice", "csrf-1", expires)
    username, csrf, when = any_store.get_session("sid-1")  # type: ignore[misc]
    assert (username, csrf) == ("alice", "csrf-1") and abs((when - expires).total_seconds()) < 1
    any_store.update_user(User("alice", "analyst", "hash", disabled=True))
    assert any_store.get_session("sid-1") is None  # disabling a user ends their sessions
    assert [u.username for u in any_store.users()] == ["alice"]
    with pytest.raises(NotFound):
        any_store.update_user(User("nobody", "analyst", "hash"))


def test_term_hits_count_posts_and_verdicts(any_store: Store) -> None:
    _queue_fixture(any_store)
    any_store.record_verdict(Verdict(post_id=A(2), kind=VerdictKind.CONFIRM, analyst="alice"))
    hits = {(h["category"], h["term"]): h for h in any_store.term_hits()}
    assert hits[("illegal_adoption", "送养")]["posts"] == 1
    assert hits[("illegal_adoption", "送养")]["confirmed"] == 1


def test_actors_merge_within_one_batch_too(any_store: Store) -> None:
    any_store.write_posts(
        [
            make_post(1, contacts={"phone": "13800000001"}),
            make_post(2, contacts={"qq": "12345678"}),
            make_post(3, contacts={"phone": "13800000001", "qq": "12345678"}),
            make_post(4, contacts={"telegram": "@fake_tg_bot"}),
        ]
    )
    actors = {any_store.get(pid(n)).actor_id for n in (1, 2, 3)}
    assert len(actors) == 1 and None not in actors
    (actor_id,) = actors
    assert sorted(any_store.actor(actor_id).contacts) == ["phone:13800000001", "qq:12345678"]
    assert any_store.get(pid(4)).actor_id != actor_id
    assert [a.posts for a in any_store.actors()] == [3, 1]
