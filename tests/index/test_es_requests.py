"""Request bodies and response parsing of the Elasticsearch backend, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from elasticsearch.helpers import expand_action
from pydantic import ValidationError

from index import cursor as cursors
from index import es_requests as req
from index import neardup
from index.audit import chain_problems
from index.base import describe_validation_error
from index.models import (
    AuditEvent,
    ClueState,
    CrawlRun,
    Entity,
    ExportRecord,
    Feedback,
    FeedbackOutcome,
    Fragment,
    Match,
    QueueFilter,
    ScoredPost,
    Verdict,
    VerdictKind,
)
from tests.factories import make_post

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
ALIAS = "cw-posts"


def _node(*plugins: str) -> dict[str, Any]:
    return {"name": "node", "plugins": [{"name": p, "version": "8.15.3"} for p in plugins]}


# -- analysis, mappings, aliases --------------------------------------------------------------


def test_smartcn_only_when_every_node_has_the_plugin() -> None:
    both = {
        "nodes": {"a": _node("analysis-smartcn"), "b": _node("analysis-icu", "analysis-smartcn")}
    }
    assert req.chinese_analyzer(both) == "smartcn"
    one = {"nodes": {"a": _node("analysis-smartcn"), "b": _node("analysis-icu")}}
    assert req.chinese_analyzer(one) == "cjk"
    assert req.chinese_analyzer({"nodes": {"a": _node()}}) == "cjk"
    assert req.chinese_analyzer({"nodes": {}}) == "cjk"


@pytest.mark.parametrize("analyzer", ["smartcn", "cjk"])
def test_posts_template_maps_title_and_text_with_the_chinese_analyzer(analyzer: str) -> None:
    template = req.index_template("cw", "posts", analyzer)
    assert template["name"] == "cw-posts"
    assert template["index_patterns"] == ["cw-posts-v*"]
    mapping = template["template"]["mappings"]
    assert mapping["dynamic"] == "strict"
    post = mapping["properties"]["post"]["properties"]
    assert post["title"] == {"type": "text", "analyzer": analyzer}
    assert post["text"] == {"type": "text", "analyzer": analyzer}
    for keyword in ("id", "site", "thread_id", "content_hash", "raw_hash"):
        assert post[keyword]["type"] == "keyword"
    assert post["captured_at"]["type"] == "date"
    props = mapping["properties"]
    assert props["scores"]["properties"]["score"]["type"] == "float"
    assert props["scores"]["properties"]["label"]["type"] == "keyword"
    for keyword in ("state", "assignee", "actor_id", "cluster_id", "match_terms", "entity_keys"):
        assert props[keyword]["type"] == "keyword"
    search = props["search"]["properties"]["text"]
    assert (search["analyzer"], search["search_analyzer"]) == ("cw_bigram", "cw_bigram_query")
    assert search["index_options"] == "offsets"
    analysis = template["template"]["settings"]["analysis"]
    assert analysis["filter"]["cw_bigram_index"]["output_unigrams"] is True
    assert analysis["filter"]["cw_bigram_query"]["output_unigrams"] is False
    # Other indices carry no analysis settings and no Chinese text fields.
    assert "analysis" not in req.index_template("cw", "audit", analyzer)["template"]["settings"]


def _unmapped(doc: Any, mapping: dict[str, Any], path: str = "") -> list[str]:
    """Fields of a document that a strict mapping would refuse."""
    missing = []
    for key, value in doc.items():
        where = f"{path}{key}"
        spec = mapping.get(key)
        if spec is None:
            missing.append(where)
        elif spec.get("enabled") is False:
            continue
        elif "properties" in spec:
            values = value if isinstance(value, list) else [value]
            for item in values:
                if isinstance(item, dict):
                    missing.extend(_unmapped(item, spec["properties"], f"{where}."))
                elif item is not None:
                    missing.append(f"{where} (object expected)")
    return missing


def test_every_field_of_every_stored_document_is_mapped() -> None:
    sp = make_post(
        1,
        contacts={"phone": "13800000001"},
        matches=[
            Match(
                term="代孕", category="surrogacy", weight="strong", surface="代孕", start=5, end=7
            )
        ],
        raw_hash="a" * 64,
        published_at=T0,
        extra={"price": "100"},
    ).model_copy(update={"first_seen_at": T0, "cluster_id": "c", "actor_id": "a"})
    sig = neardup.signature("本人诚心送养一名男宝宝，出生三个月，身体健康，需要营养费")
    docs = {
        "posts": req.post_document(sp, signature=sig),
        "history": req.history_action("h", req.post_document(sp), T0)["_source"],
        "audit": req.audit_action("a", AuditEvent(seq=1, actor="x", action="y"))["_source"],
        "verdicts": {
            **Verdict(post_id="p", kind=VerdictKind.CONFIRM, analyst="a").model_dump(mode="json"),
            "label": "surrogacy",
            "order": 1,
        },
        "feedback": {
            **Feedback(post_id="p", outcome=FeedbackOutcome.RECEIVED, recorded_by="l").model_dump(
                mode="json"
            ),
            "order": 1,
        },
        "exports": ExportRecord(id="b", created_by="l", post_ids=["p"], meta={"k": [1]}).model_dump(
            mode="json"
        ),
        "crawl_runs": CrawlRun(id="r", site="s", errors={"timeout": 2}).model_dump(mode="json"),
        "contacts": req.contact_action("c", "phone:1", "a1", "2026")["_source"],
        "meta": req.audit_head(3, "h", T0),
        "users": {"username": "u", "role": "analyst", "password_hash": "x", "disabled": False},
        "sessions": {"username": "u", "csrf": "c", "expires_at": req.iso(T0)},
    }
    assert set(docs) == set(req.INDEX_NAMES)
    for name, doc in docs.items():
        assert _unmapped(doc, req.mappings(name, "cjk")["properties"]) == [], name
    # The check itself notices a field the mapping lacks.
    assert _unmapped({"post": {"nope": 1}}, req.mappings("posts", "cjk")["properties"]) == [
        "post.nope"
    ]


def test_alias_swap_moves_the_alias_in_one_request() -> None:
    assert req.alias_swap("cw-posts", "cw-posts-v1", "cw-posts-v2") == [
        {"remove": {"index": "cw-posts-v1", "alias": "cw-posts", "must_exist": True}},
        {"add": {"index": "cw-posts-v2", "alias": "cw-posts"}},
    ]


def test_index_names_and_versions() -> None:
    assert req.alias_name("cw", "crawl_runs") == "cw-crawl_runs"
    assert req.index_name("cw", "posts", 3) == "cw-posts-v3"
    assert req.index_version("cw", "posts", "cw-posts-v12") == 12
    assert req.index_version("cw", "posts", "cw-posts") is None
    assert req.index_version("cw", "posts", "cw-x-posts-v1") is None
    assert req.index_version("cw", "post", "cw-posts-v1") is None


def test_urls_lose_their_password_in_messages() -> None:
    assert req.redact_url("http://elastic:s3cr3t@es:9200") == "http://elastic:***@es:9200"
    assert req.redact_url("https://es.example:9200/") == "https://es.example:9200/"


# -- post documents and bulk actions ----------------------------------------------------------


def test_post_document_has_search_copies_and_filter_keys() -> None:
    sp = make_post(
        1,
        title="寵物",
        text="免費領養 QQ群",
        matches=[
            Match(
                term="领养",
                category="illegal_adoption",
                weight="weak",
                surface="領養",
                start=5,
                end=7,
            )
        ],
        contacts={"wechat": "13800000001", "qq": "10000009"},
    )
    sp.scores.entities.append(Entity(kind="price", value="100", start=0, end=1))
    doc = req.post_document(sp)
    assert doc["search"] == {
        "title": "宠物",
        "text": "免费领养 qq群 wechat 13800000001 qq 10000009",
    }
    assert len(doc["search"]["text"]) == len(sp.post.text)
    assert doc["match_terms"] == ["领养"]
    assert doc["match_keys"] == ["illegal_adoption\u001f领养"]
    # A WeChat id that is a mobile number links as that phone; prices are not filter keys.
    assert doc["contact_keys"] == ["phone:13800000001", "qq:10000009"]
    assert doc["entity_keys"] == ["phone:13800000001", "qq:10000009"]
    assert doc["neardup"] == {"signature": None, "bands": []}
    assert req.post_from_source(doc) == sp


def test_neardup_fields_round_trip() -> None:
    text = "本人诚心送养一名男宝宝，出生三个月，身体健康，需要营养费，有意者加微信"
    sig = neardup.signature(text)
    assert sig is not None
    doc = req.post_document(make_post(1, text=text), signature=sig)
    assert doc["neardup"]["bands"] == neardup.band_keys(sig)
    assert req.signature_from_source(doc) == sig


def test_bulk_action_for_a_new_post_is_a_create_through_the_alias() -> None:
    sp = make_post(1)
    action = req.post_action(ALIAS, req.post_document(sp))
    assert action["_op_type"] == "create"
    assert (action["_index"], action["_id"]) == (ALIAS, sp.post.id)
    assert "if_seq_no" not in action
    header, body = expand_action(action)
    assert header == {"create": {"_index": ALIAS, "_id": sp.post.id}}
    assert isinstance(body, dict) and body["post"]["id"] == sp.post.id


def test_bulk_action_for_a_changed_post_is_conditional_on_what_was_read() -> None:
    sp = make_post(1)
    read = {"_id": sp.post.id, "_seq_no": 17, "_primary_term": 2, "found": True}
    action = req.post_action(ALIAS, req.post_document(sp), read=read)
    assert action["_op_type"] == "index"
    assert (action["if_seq_no"], action["if_primary_term"]) == (17, 2)
    header, _ = expand_action(action)
    assert header == {
        "index": {"_index": ALIAS, "_id": sp.post.id, "if_seq_no": 17, "if_primary_term": 2}
    }


def test_conditional_state_update_and_delete() -> None:
    read = {"_seq_no": 5, "_primary_term": 1}
    assert req.conditional(read) == {"if_seq_no": 5, "if_primary_term": 1}
    action = req.state_update_action(ALIAS, "p1", {"state": "transferred", "version": 3}, read)
    header, body = expand_action(action)
    assert header == {
        "update": {"_index": ALIAS, "_id": "p1", "if_seq_no": 5, "if_primary_term": 1}
    }
    assert body == {"doc": {"state": "transferred", "version": 3}}
    header, body = expand_action(req.delete_action(ALIAS, "p1", read))
    assert header == {
        "delete": {"_index": ALIAS, "_id": "p1", "if_seq_no": 5, "if_primary_term": 1}
    }
    assert body is None


def test_bundle_record_writes_create_new_ones_and_guard_changes_by_what_was_read() -> None:
    record = ExportRecord(id="b1", created_by="lia", post_ids=["p"], version=3)
    plain = req.export_write("cw-exports", record, guarded=False, read=None)
    assert plain["index"] == "cw-exports" and plain["id"] == "b1"
    assert "op_type" not in plain and "if_seq_no" not in plain
    assert plain["document"]["version"] == 3 and plain["document"]["status"] == "prepared"
    assert req.export_write("cw-exports", record, guarded=True, read=None)["op_type"] == "create"
    guarded = req.export_write(
        "cw-exports", record, guarded=True, read={"_seq_no": 9, "_primary_term": 2}
    )
    assert (guarded["if_seq_no"], guarded["if_primary_term"]) == (9, 2)
    assert "op_type" not in guarded


def test_history_keeps_the_replaced_content_under_a_per_version_id() -> None:
    old = req.post_document(make_post(1, text="原文").model_copy(update={"version": 4}))
    action = req.history_action("cw-history", old, T0)
    assert action["_id"] == f"{old['post']['id']}-4"
    assert action["_source"]["text"] == "原文"
    assert action["_source"]["version"] == 4
    assert action["_source"]["replaced_at"] == "2026-11-01T08:00:00.000000+00:00"


def test_audit_events_are_created_never_overwritten() -> None:
    event = AuditEvent(seq=7, actor="a", action="note")
    header, body = expand_action(req.audit_action("cw-audit", event))
    assert header == {"create": {"_index": "cw-audit", "_id": "7"}}
    assert isinstance(body, dict) and body["seq"] == 7


def test_a_bulk_mapping_error_becomes_a_reason_naming_the_field() -> None:
    item = {
        "index": {
            "_index": "cw-posts-v1",
            "_id": "p1",
            "status": 400,
            "error": {
                "type": "document_parsing_exception",
                "reason": "[1:200] failed to parse field [post.captured_at] of type [date]",
                "caused_by": {
                    "type": "illegal_argument_exception",
                    "reason": "failed to parse date field [yesterday]",
                },
            },
        }
    }
    assert req.bulk_item_status(item) == 400
    reason = req.bulk_item_reason(item)
    assert "post.captured_at" in reason and "status 400" in reason
    assert "failed to parse date field [yesterday]" in reason
    # A failed chunk (raise_on_exception=False) reports the error as a string.
    chunk = {"create": {"_id": "p2", "status": 413, "error": "ApiError(413, 'too large')"}}
    assert req.bulk_item_status(chunk) == 413
    assert "too large" in req.bulk_item_reason(chunk)


def test_validation_errors_name_the_field_path() -> None:
    bad = make_post(1).model_dump(mode="json")
    bad["post"]["url"] = "ftp://nowhere"
    with pytest.raises(ValidationError) as info:
        ScoredPost.model_validate(bad)
    assert describe_validation_error(info.value).startswith("post.url:")
    with pytest.raises(ValidationError) as info:
        ScoredPost.model_validate("not a record")
    assert describe_validation_error(info.value).startswith("record:")


# -- queue -----------------------------------------------------------------------------------


def test_queue_query_for_a_filter_with_every_field_set() -> None:
    flt = QueueFilter(
        states=[ClueState.REGISTERED, ClueState.ESCALATED, ClueState.REGISTERED],
        category="surrogacy",
        site="forum-a",
        min_score=0.7,
        max_score=0.85,
        since=T0,
        until=T0 + timedelta(days=2),
        assignee="",
        term="送养",
        entity="13800000001",
        actor_id="a1",
        cluster_id="c1",
        q="代孕機構  fake",
    )
    query = req.queue_query(flt)["bool"]
    filters = query["filter"]
    assert {"terms": {"state": ["registered", "escalated"]}} in filters
    for clause in (
        {"term": {"scores.label": "surrogacy"}},
        {"term": {"post.site": "forum-a"}},
        {"term": {"actor_id": "a1"}},
        {"term": {"cluster_id": "c1"}},
        {"term": {"match_terms": "送养"}},
        {"range": {"scores.score": {"gte": 0.7, "lte": 0.85}}},
        {
            "range": {
                "post.captured_at": {
                    "gte": "2026-11-01T08:00:00.000000+00:00",
                    "lt": "2026-11-03T08:00:00.000000+00:00",
                }
            }
        },
    ):
        assert clause in filters
    (entity,) = [f for f in filters if "terms" in f and "entity_keys" in f["terms"]]
    assert "phone:13800000001" in entity["terms"]["entity_keys"]
    assert query["must_not"] == [{"exists": {"field": "assignee"}}]
    # Each search term is a phrase in the title or the text, all required, folded.
    phrases = [
        [clause["match_phrase"] for clause in term["bool"]["should"]] for term in query["must"]
    ]
    assert phrases == [
        [{"search.title": "代孕机构"}, {"search.text": "代孕机构"}],
        [{"search.title": "fake"}, {"search.text": "fake"}],
    ]
    assert all(term["bool"]["minimum_should_match"] == 1 for term in query["must"])


def test_a_named_assignee_is_a_term_filter_and_no_filter_means_no_clauses() -> None:
    query = req.queue_query(QueueFilter(states=[], assignee="alice"))["bool"]
    assert query == {"filter": [{"term": {"assignee": "alice"}}]}


def test_a_search_without_usable_terms_matches_nothing() -> None:
    query = req.queue_query(QueueFilter(q="，。！"))["bool"]
    assert query["must"] == [{"match_none": {}}]
    assert "highlight" not in req.queue_search(QueueFilter(q="，。！"))


def test_queue_search_sorts_pages_and_continues_after_the_cursor() -> None:
    first = req.queue_search(QueueFilter(limit=4))
    assert first["sort"] == [{"scores.score": {"order": "desc"}}, {"post.id": {"order": "asc"}}]
    assert first["size"] == 5
    assert "search_after" not in first and "highlight" not in first
    assert set(req.DERIVED_FIELDS) <= set(first["source_excludes"])
    cursor = cursors.encode("time", 1793520000000, "p9")
    later = req.queue_search(QueueFilter(sort="time", cursor=cursor, q="代孕"))
    assert later["sort"] == [
        {"post.captured_at": {"order": "desc"}},
        {"post.id": {"order": "asc"}},
    ]
    assert later["search_after"] == [1793520000000, "p9"]
    assert later["highlight"] == req.highlight_request()
    with pytest.raises(ValueError, match="sort"):
        req.queue_search(QueueFilter(sort="score", cursor=cursor))


def test_highlights_are_marked_with_private_use_sentinels_not_html() -> None:
    hl = req.highlight_request()
    assert hl["pre_tags"] == ["\ue000"] and hl["post_tags"] == ["\ue001"]
    assert hl["encoder"] == "default"
    assert hl["require_field_match"] is True
    assert set(hl["fields"]) == {"search.title", "search.text"}
    assert hl["fields"]["search.title"]["number_of_fragments"] == 0
    assert hl["fields"]["search.text"]["number_of_fragments"] == 1


def test_marked_strings_parse_into_fragments_and_markup_stays_text() -> None:
    marked = "<b>\ue000供卵\ue001</b> 试管 \ue000qq\ue001\ue000群\ue001 fake"
    assert req.parse_marked(marked) == [
        Fragment(text="<b>"),
        Fragment(text="供卵", hit=True),
        Fragment(text="</b> 试管 "),
        Fragment(text="qq群", hit=True),
        Fragment(text=" fake"),
    ]
    assert req.parse_marked("no hits") == [Fragment(text="no hits")]
    assert req.parse_marked("") == []


def test_fragments_are_cut_from_the_original_text() -> None:
    original = "前言。三個月小貓咪免費領養，已驅蟲"
    # What ES returns: a piece of the search copy (folded, "，" -> ","), hits marked.
    marked = req.search_copy("三個月小貓咪免費") + "\ue000领养\ue001" + req.search_copy("，已驅蟲")
    assert marked == "三个月小猫咪免费\ue000领养\ue001,已驱虫"
    fragments = req.restore_original(req.parse_marked(marked), original)
    assert fragments == [
        Fragment(text="…"),
        Fragment(text="三個月小貓咪免費"),
        Fragment(text="領養", hit=True),
        Fragment(text="，已驅蟲"),
    ]


def _hit(sp: ScoredPost, sort: list[Any], highlight: dict[str, list[str]] | None = None) -> dict:
    hit: dict[str, Any] = {"_id": sp.post.id, "_source": req.post_document(sp), "sort": sort}
    if highlight is not None:
        hit["highlight"] = highlight
    return hit


def test_queue_page_parses_hits_cursor_and_highlights() -> None:
    posts = [make_post(n, score=0.9 - n / 10, text=f"<b>供卵</b> 第{n}条") for n in (1, 2, 3)]
    hits = [
        _hit(
            sp,
            [0.8999999761581421 - n, sp.post.id],
            {"search.text": ["<b>\ue000供卵\ue001</b> 第"]},
        )
        for n, sp in enumerate(posts)
    ]
    flt = QueueFilter(limit=2, q="供卵")
    page = req.queue_page(hits, flt)
    assert [sp.post.id for sp in page.items] == [posts[0].post.id, posts[1].post.id]
    assert page.next_cursor is not None
    assert cursors.decode(page.next_cursor, "score") == (hits[1]["sort"][0], posts[1].post.id)
    (highlight,) = page.highlights[posts[0].post.id]
    assert highlight.field == "text"
    assert [f.text for f in highlight.fragments if f.hit] == ["供卵"]
    assert "".join(f.text for f in highlight.fragments).startswith("<b>供卵</b>")
    last = req.queue_page(hits[:2], flt)
    assert last.next_cursor is None
    assert req.queue_page(hits[:1], QueueFilter()).highlights == {}


# -- near duplicates and actors ------------------------------------------------------------------


def test_a_repost_joins_the_most_similar_cluster_above_the_threshold() -> None:
    original = (
        "本人诚心送养一名男宝宝，出生三个月，身体健康，需要营养费，有意者加微信联系fake_bb_01"
    )
    other = "今天天气很好，我们去公园散步，看到很多小朋友在玩耍，非常开心的一天啊"
    repost = original.replace("身体健康", "身体很健康")
    sigs = {
        name: neardup.signature(t) for name, t in (("o", original), ("x", other), ("r", repost))
    }
    assert all(sigs.values())
    assert neardup.best_cluster(sigs["r"], [(sigs["x"], "cx"), (sigs["o"], "co")]) == "co"  # type: ignore[arg-type,list-item]
    assert neardup.best_cluster(sigs["x"], [(sigs["o"], "co")]) is None  # type: ignore[arg-type,list-item]
    body = req.neardup_search([1, -2], "p1")
    assert body["query"]["bool"]["filter"] == [{"terms": {"neardup.bands": [1, -2]}}]
    assert body["query"]["bool"]["must_not"] == [{"term": {"post.id": "p1"}}]


def test_contacts_link_posts_and_a_bridging_post_merges_actors_into_the_oldest() -> None:
    known = {
        "phone:13800000001": ("a-old", "2026-01-01T00:00:00.000000+00:00"),
        "qq:12345678": ("a-new", "2026-06-01T00:00:00.000000+00:00"),
    }
    now = "2026-11-01T00:00:00.000000+00:00"
    links = req.link_actors(
        [
            ["wechat:x1"],
            [],
            ["wechat:x1", "telegram:t"],
            ["qq:12345678", "phone:13800000001", "wechat:x1"],
        ],
        known,
        now,
    )
    fresh = req.actor_id_for("wechat:x1")
    assert links.post_actors == [
        "a-old",  # the first post's new actor was merged into the oldest by the last post
        None,
        "a-old",
        "a-old",
    ]
    assert links.new_contacts == {
        "wechat:x1": ("a-old", "2026-01-01T00:00:00.000000+00:00"),
        "telegram:t": ("a-old", "2026-01-01T00:00:00.000000+00:00"),
    }
    # Stored actors merged away need an update of stored posts; batch-only ones do not.
    assert links.merges == {"a-new": ("a-old", "2026-01-01T00:00:00.000000+00:00")}
    assert fresh not in links.merges
    alone = req.link_actors([["qq:99999"]], {}, now)
    assert alone.post_actors == [req.actor_id_for("qq:99999")]
    assert alone.new_contacts == {"qq:99999": (req.actor_id_for("qq:99999"), now)}
    assert alone.merges == {}


def test_actor_requests_and_parsing() -> None:
    body = req.actors_request(10, 2)
    terms = body["aggs"]["actors"]["terms"]
    assert terms["order"] == [{"flagged": "desc"}, {"_count": "desc"}, {"_key": "asc"}]
    assert (terms["size"], terms["min_doc_count"]) == (10, 2)
    bucket = {
        "key": "a1",
        "doc_count": 3,
        "flagged": {"doc_count": 3},
        "sites": {"buckets": [{"key": "forum-c"}, {"key": "classifieds-b"}, {"key": "forum-a"}]},
        "categories": {
            "doc_count": 3,
            "labels": {
                "buckets": [
                    {"key": "illegal_adoption", "doc_count": 1},
                    {"key": "surrogacy", "doc_count": 2},
                ]
            },
        },
        "first": {"value": 1793520000000.0, "value_as_string": "2026-11-01T08:00:00.000Z"},
        "last": {"value": 1793952000123.0},
    }
    actor = req.parse_actor("a1", 3, bucket, ["wechat:x", "phone:1"], T0)
    assert actor.contacts == ["phone:1", "wechat:x"]
    assert actor.sites == ["classifieds-b", "forum-a", "forum-c"]
    assert list(actor.categories.items()) == [("surrogacy", 2), ("illegal_adoption", 1)]
    assert actor.first_seen == T0
    assert actor.last_seen == T0 + timedelta(days=5, milliseconds=123)
    empty = {**bucket, "first": {"value": None}, "last": {"value": None}}
    assert req.parse_actor("a1", 0, empty, [], T0).first_seen == T0


# -- audit ------------------------------------------------------------------------------------------


def test_chained_events_continue_the_head_and_verify() -> None:
    first = req.chain([AuditEvent(actor="s", action="register", post_id="p", at=T0)], 0, "")
    more = req.chain(
        [AuditEvent(actor="a", action="note", at=T0), AuditEvent(actor="b", action="x", at=T0)],
        first[-1].seq,
        first[-1].hash,
    )
    events = first + more
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == "" and events[1].prev_hash == events[0].hash
    assert chain_problems(events) == []
    check = req.ChainCheck()
    check.feed(events[:2])
    check.feed(events[2:])
    assert check.finish(req.audit_head(3, events[-1].hash, T0)) == []


def test_the_chain_check_reports_gaps_tampering_and_a_stale_head() -> None:
    events = req.chain([AuditEvent(actor="a", action=f"x{n}", at=T0) for n in range(4)], 0, "")
    tampered = events[1].model_copy(update={"note": "changed"})
    check = req.ChainCheck()
    check.feed([events[0], tampered, events[3]])
    problems = check.finish(req.audit_head(9, "h", T0))
    assert "event 2: content does not match its hash" in problems
    assert "events 3 to 3 are missing" in problems
    assert "event 4: previous hash does not match event before it" in problems
    assert any("head" in p for p in problems)


def test_audit_query_filters_only_what_is_asked() -> None:
    assert req.audit_query() == {"bool": {"filter": []}}
    assert req.audit_query(post_id="p", action="transfer") == {
        "bool": {"filter": [{"term": {"post_id": "p"}}, {"term": {"action": "transfer"}}]}
    }
    assert req.audit_query(since=T0, until=T0 + timedelta(days=1), before_seq=9) == {
        "bool": {
            "filter": [
                {
                    "range": {
                        "at": {
                            "gte": "2026-11-01T08:00:00.000000+00:00",
                            "lt": "2026-11-02T08:00:00.000000+00:00",
                        }
                    }
                },
                {"range": {"seq": {"lt": 9}}},
            ]
        }
    }


# -- dashboard and reports ----------------------------------------------------------------------------


def test_dashboard_aggregation_bodies() -> None:
    body = req.dashboard_request(T0, T0 + timedelta(days=7))
    assert body["size"] == 0
    assert body["query"]["bool"]["filter"] == [
        {
            "range": {
                "first_seen_at": {
                    "gte": "2026-11-01T08:00:00.000000+00:00",
                    "lt": "2026-11-08T08:00:00.000000+00:00",
                }
            }
        }
    ]
    aggs = body["aggs"]
    flagged = aggs["flagged_per_day"]
    assert flagged["filter"] == {"term": {"scores.flagged": True}}
    days = flagged["aggs"]["days"]
    assert days["date_histogram"]["field"] == "first_seen_at"
    assert days["date_histogram"]["calendar_interval"] == "day"
    assert days["aggs"]["labels"]["terms"]["field"] == "scores.label"
    assert aggs["per_site"]["terms"]["field"] == "post.site"
    assert aggs["per_site"]["aggs"]["flagged"] == {"filter": {"term": {"scores.flagged": True}}}
    assert aggs["per_state"]["terms"]["field"] == "state"
    labels = aggs["verdicts_per_category"]["aggs"]["labels"]["aggs"]
    assert labels["confirmed"] == {
        "filter": {"terms": {"state": ["confirmed", "transferred", "feedback"]}}
    }
    assert labels["dismissed"] == {"filter": {"term": {"state": "dismissed"}}}
    throughput = req.throughput_request(None, None)
    assert throughput["query"] == {"bool": {"filter": []}}
    assert throughput["aggs"]["days"]["date_histogram"]["field"] == "at"
    assert throughput["aggs"]["days"]["aggs"]["analysts"]["terms"]["field"] == "analyst"
    feedback = req.feedback_counts_request(T0, None)
    assert feedback["size"] == 0
    assert feedback["query"]["bool"]["filter"] == [
        {"range": {"at": {"gte": "2026-11-01T08:00:00.000000+00:00"}}}
    ]
    assert feedback["aggs"]["outcomes"]["terms"] == {"field": "outcome", "size": 3}


def test_dashboard_responses_parse_into_aggregations() -> None:
    posts = {
        "flagged_per_day": {
            "doc_count": 4,
            "days": {
                "buckets": [
                    {
                        "key_as_string": "2026-11-02",
                        "doc_count": 1,
                        "labels": {"buckets": [{"key": "surrogacy", "doc_count": 1}]},
                    },
                    {
                        "key_as_string": "2026-11-01",
                        "doc_count": 3,
                        "labels": {
                            "buckets": [
                                {"key": "surrogacy", "doc_count": 2},
                                {"key": "illegal_adoption", "doc_count": 1},
                            ]
                        },
                    },
                ]
            },
        },
        "per_site": {
            "buckets": [
                {"key": "forum-a", "doc_count": 3, "flagged": {"doc_count": 2}},
                {"key": "classifieds-b", "doc_count": 2, "flagged": {"doc_count": 2}},
            ]
        },
        "per_state": {"buckets": [{"key": "confirmed", "doc_count": 1}]},
        "verdicts_per_category": {
            "labels": {
                "buckets": [
                    {
                        "key": "surrogacy",
                        "doc_count": 2,
                        "confirmed": {"doc_count": 1},
                        "dismissed": {"doc_count": 1},
                    }
                ]
            }
        },
    }
    verdicts = {
        "days": {
            "buckets": [
                {
                    "key_as_string": "2026-11-01",
                    "analysts": {
                        "buckets": [
                            {"key": "bob", "doc_count": 1},
                            {"key": "alice", "doc_count": 2},
                        ]
                    },
                }
            ]
        }
    }
    feedback = {"outcomes": {"buckets": [{"key": "case_opened", "doc_count": 2}]}}
    agg = req.parse_dashboard(posts, verdicts, feedback)
    assert [(r.day, r.key, r.count) for r in agg.flagged_per_day] == [
        ("2026-11-01", "illegal_adoption", 1),
        ("2026-11-01", "surrogacy", 2),
        ("2026-11-02", "surrogacy", 1),
    ]
    assert agg.per_site == {
        "forum-a": {"posts": 3, "flagged": 2},
        "classifieds-b": {"posts": 2, "flagged": 2},
    }
    assert agg.per_state["confirmed"] == 1 and agg.per_state["unflagged"] == 0
    assert set(agg.per_state) == {s.value for s in ClueState}
    assert [(r.key, r.count) for r in agg.throughput] == [("alice", 2), ("bob", 1)]
    assert agg.verdicts_per_category == {"surrogacy": {"confirmed": 1, "dismissed": 1}}
    assert agg.feedback == {"received": 0, "case_opened": 2, "no_case": 0}


def test_term_hits_are_one_composite_aggregation_over_category_term_keys() -> None:
    body = req.term_hits_request({"key": "surrogacy\u001f代孕"}, size=2)
    composite = body["aggs"]["terms"]["composite"]
    assert composite["sources"] == [{"key": {"terms": {"field": "match_keys"}}}]
    assert composite["after"] == {"key": "surrogacy\u001f代孕"}
    assert composite["size"] == 2
    page = {
        "terms": {
            "after_key": {"key": "surrogacy\u001f代孕"},
            "buckets": [
                {
                    "key": {"key": "illegal_adoption\u001f送养"},
                    "doc_count": 1,
                    "confirmed": {"doc_count": 1},
                    "dismissed": {"doc_count": 0},
                }
            ],
        }
    }
    rows, after = req.parse_term_hits(page)
    assert rows == [
        {"category": "illegal_adoption", "term": "送养", "posts": 1, "confirmed": 1, "dismissed": 0}
    ]
    assert after == {"key": "surrogacy\u001f代孕"}
    assert req.parse_term_hits({"terms": {"after_key": {"key": "x"}, "buckets": []}}) == ([], None)


def test_state_counts_and_purge_bodies() -> None:
    counts = req.parse_state_counts({"states": {"buckets": [{"key": "dismissed", "doc_count": 4}]}})
    assert counts[ClueState.DISMISSED] == 4 and counts[ClueState.REGISTERED] == 0
    purge = req.purge_search(T0)
    assert purge["seq_no_primary_term"] is True
    assert {"term": {"state": "dismissed"}} in purge["query"]["bool"]["filter"]
    assert {"range": {"updated_at": {"lt": "2026-11-01T08:00:00.000000+00:00"}}} in purge["query"][
        "bool"
    ]["filter"]
    hashes = req.raw_hash_request(["a", "b"])
    assert hashes["aggs"]["hashes"]["terms"] == {"field": "post.raw_hash", "size": 2}
