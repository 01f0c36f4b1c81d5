"""Request bodies of the Elasticsearch backend, and the parsing of its responses.

Pure functions of the data model: no client and no server, so that every body
`index.elastic.ElasticStore` sends can be checked by unit tests.

Layout: each logical index (`INDEX_NAMES`) is reached through the alias
`{prefix}-{name}` that points at one concrete index `{prefix}-{name}-v{N}`; a
composable index template per name gives every `-v{N}` the current mapping.
Posts carry, besides the `ScoredPost` fields, a normalised copy of title and
text for search (`index.text.normalize`: length-keeping, so highlight offsets
found in the copy cut the original), keyword arrays for the term, entity and
contact filters, and their MinHash signature and band keys.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from index import cursor as cursors
from index import neardup
from index.audit import event_hash
from index.contacts import contact_keys, entity_key, filter_key
from index.models import (
    CONTACT_KINDS,
    Actor,
    Aggregations,
    AuditEvent,
    ClueState,
    DayCount,
    ExportRecord,
    FeedbackOutcome,
    Fragment,
    Highlight,
    QueueFilter,
    QueuePage,
    ScoredPost,
)
from index.models import utc_text as iso  # stored times: one fixed-width form
from index.text import normalize, query_terms

INDEX_NAMES: tuple[str, ...] = (
    "posts",
    "history",
    "verdicts",
    "feedback",
    "audit",
    "meta",
    "contacts",
    "exports",
    "crawl_runs",
    "users",
    "sessions",
)
# Bumped when a mapping changes; `ElasticStore.reindex` moves data to the new mapping.
MAPPING_VERSION = 1
TEMPLATE_PRIORITY = 500

HIT_START = "\ue000"
HIT_END = "\ue001"
SNIPPET_CHARS = 120
# Highest character offset the highlighter analyses (texts are at most 1,000,000
# characters, which can be up to 2,000,000 UTF-16 units).
MAX_ANALYZED_OFFSET = 2_100_000

# Entity kinds indexed for the queue's entity filter (prices and ages are not).
FILTER_ENTITY_KINDS = CONTACT_KINDS | {"place"}
# States that count as a confirmed clue in reports (confirmed or further along).
CONFIRMED_STATES: tuple[ClueState, ...] = (
    ClueState.CONFIRMED,
    ClueState.TRANSFERRED,
    ClueState.FEEDBACK,
)
MAX_CLUSTER_CANDIDATES = 64
AUDIT_HEAD_ID = "audit-head"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MATCH_KEY_SEPARATOR = "\u001f"
POST_FIELDS: tuple[str, ...] = tuple(ScoredPost.model_fields)
# Derived fields of a post document: not part of `ScoredPost`, left out of reads.
DERIVED_FIELDS: tuple[str, ...] = (
    "search",
    "match_terms",
    "match_keys",
    "entity_keys",
    "contact_keys",
    "neardup",
)

_KEYWORD: dict[str, Any] = {"type": "keyword"}
_DATE: dict[str, Any] = {"type": "date"}
_DISABLED: dict[str, Any] = {"type": "object", "enabled": False}
_UNINDEXED_TEXT: dict[str, Any] = {"type": "text", "index": False}


# -- names ------------------------------------------------------------------------------


def alias_name(prefix: str, name: str) -> str:
    """The alias every read and write of a logical index goes through."""
    return f"{prefix}-{name}"


def index_name(prefix: str, name: str, version: int) -> str:
    """A concrete, versioned index behind an alias."""
    return f"{prefix}-{name}-v{version}"


def index_version(prefix: str, name: str, index: str) -> int | None:
    """N of `{prefix}-{name}-v{N}`, or None for any other index name."""
    found = re.fullmatch(rf"{re.escape(prefix)}-{re.escape(name)}-v(\d+)", index)
    return int(found.group(1)) if found else None


def template_name(prefix: str, name: str) -> str:
    return f"{prefix}-{name}"


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


# -- analysis and mappings ---------------------------------------------------------------


def chinese_analyzer(nodes_info: Mapping[str, Any]) -> str:
    """`smartcn` when every node has the analysis-smartcn plugin, `cjk` otherwise.

    `nodes_info` is the response of `GET _nodes/plugins`.
    """
    nodes = nodes_info.get("nodes") or {}
    if not nodes:
        return "cjk"
    for node in nodes.values():
        names = {plugin.get("name") for plugin in node.get("plugins") or []}
        if "analysis-smartcn" not in names:
            return "cjk"
    return "smartcn"


def _search_field() -> dict[str, Any]:
    return {
        "type": "text",
        "analyzer": "cw_bigram",
        "search_analyzer": "cw_bigram_query",
        "index_options": "offsets",
    }


SEARCH_ANALYSIS: dict[str, Any] = {
    # Character bigrams of Han runs (unigrams too, so that a one-character query
    # finds them), whole words otherwise; queries use bigrams only, so that a
    # phrase matches exactly the characters typed, in order.
    "filter": {
        "cw_bigram_index": {"type": "cjk_bigram", "output_unigrams": True},
        "cw_bigram_query": {"type": "cjk_bigram", "output_unigrams": False},
    },
    "analyzer": {
        "cw_bigram": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cw_bigram_index"],
        },
        "cw_bigram_query": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cw_bigram_query"],
        },
    },
}


def index_settings(name: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "number_of_shards": 1,
        "auto_expand_replicas": "0-1",
    }
    if name == "posts":
        settings["analysis"] = SEARCH_ANALYSIS
        settings["highlight"] = {"max_analyzed_offset": MAX_ANALYZED_OFFSET}
    return settings


def _properties(name: str, analyzer: str) -> dict[str, Any]:
    chinese = {"type": "text", "analyzer": analyzer}
    if name == "posts":
        return {
            "post": {
                "properties": {
                    "id": _KEYWORD,
                    "site": _KEYWORD,
                    "url": {"type": "keyword", "doc_values": False},
                    "kind": _KEYWORD,
                    "thread_id": _KEYWORD,
                    "title": chinese,
                    "text": chinese,
                    "author": _KEYWORD,
                    "published_at": _DATE,
                    "captured_at": _DATE,
                    "content_hash": _KEYWORD,
                    "raw_hash": _KEYWORD,
                    "extra": _DISABLED,
                }
            },
            "scores": {
                "properties": {
                    "score": {"type": "float"},
                    "label": _KEYWORD,
                    "flagged": {"type": "boolean"},
                    "categories": _DISABLED,
                    "model_categories": _DISABLED,
                    "matches": _DISABLED,
                    "entities": _DISABLED,
                    "model_version": _KEYWORD,
                    "lexicon_version": _KEYWORD,
                }
            },
            "state": _KEYWORD,
            "version": {"type": "integer"},
            "updated_at": _DATE,
            "assignee": _KEYWORD,
            "first_seen_at": _DATE,
            "cluster_id": _KEYWORD,
            "actor_id": _KEYWORD,
            "search": {"properties": {"title": _search_field(), "text": _search_field()}},
            "match_terms": _KEYWORD,
            "match_keys": _KEYWORD,
            "entity_keys": _KEYWORD,
            "contact_keys": _KEYWORD,
            "neardup": {"properties": {"signature": {"type": "binary"}, "bands": {"type": "long"}}},
        }
    if name == "history":
        return {
            "post_id": _KEYWORD,
            "version": {"type": "integer"},
            "replaced_at": _DATE,
            "title": _UNINDEXED_TEXT,
            "text": _UNINDEXED_TEXT,
            "content_hash": _KEYWORD,
            "raw_hash": _KEYWORD,
            "captured_at": _DATE,
            "score": {"type": "float"},
        }
    if name == "verdicts":
        return {
            "post_id": _KEYWORD,
            "kind": _KEYWORD,
            "analyst": _KEYWORD,
            "note": _UNINDEXED_TEXT,
            "categories": _KEYWORD,
            "at": _DATE,
            "label": _KEYWORD,
            "order": {"type": "long"},
        }
    if name == "feedback":
        return {
            "post_id": _KEYWORD,
            "outcome": _KEYWORD,
            "reference": _KEYWORD,
            "note": _UNINDEXED_TEXT,
            "recorded_by": _KEYWORD,
            "at": _DATE,
            "order": {"type": "long"},
        }
    if name == "audit":
        return {
            "seq": {"type": "long"},
            "at": _DATE,
            "actor": _KEYWORD,
            "action": _KEYWORD,
            "post_id": _KEYWORD,
            "before": _DISABLED,
            "after": _DISABLED,
            "note": _UNINDEXED_TEXT,
            "prev_hash": _KEYWORD,
            "hash": _KEYWORD,
        }
    if name == "meta":
        return {"audit_seq": {"type": "long"}, "audit_hash": _KEYWORD, "updated_at": _DATE}
    if name == "contacts":
        return {"key": _KEYWORD, "actor_id": _KEYWORD, "actor_created_at": _DATE}
    if name == "exports":
        return {
            "id": _KEYWORD,
            "status": _KEYWORD,
            "created_by": _KEYWORD,
            "created_at": _DATE,
            "approved_by": _KEYWORD,
            "approved_at": _DATE,
            "post_ids": _KEYWORD,
            "sha256": _KEYWORD,
            "version": {"type": "long"},
            "downloads": {"type": "long"},
            "last_downloaded_by": _KEYWORD,
            "last_downloaded_at": _DATE,
            "meta": _DISABLED,
        }
    if name == "crawl_runs":
        return {
            "id": _KEYWORD,
            "site": _KEYWORD,
            "started_at": _DATE,
            "finished_at": _DATE,
            "status": _KEYWORD,
            "pages": {"type": "integer"},
            "errors": _DISABLED,
            "new_posts": {"type": "integer"},
            "changed_posts": {"type": "integer"},
            "flagged_posts": {"type": "integer"},
            "flagged_by_category": _DISABLED,
        }
    if name == "users":
        return {
            "username": _KEYWORD,
            "role": _KEYWORD,
            "password_hash": {"type": "keyword", "index": False, "doc_values": False},
            "disabled": {"type": "boolean"},
        }
    if name == "sessions":
        return {
            "username": _KEYWORD,
            "csrf": {"type": "keyword", "index": False, "doc_values": False},
            "expires_at": _DATE,
        }
    raise ValueError(f"unknown index {name!r}")


def mappings(name: str, analyzer: str) -> dict[str, Any]:
    """Explicit, strict mapping of a logical index (unknown fields are refused)."""
    return {
        "dynamic": "strict",
        "_meta": {"cluewatch_mapping": MAPPING_VERSION, "analyzer": analyzer},
        "properties": _properties(name, analyzer),
    }


def index_template(prefix: str, name: str, analyzer: str) -> dict[str, Any]:
    """Arguments of `indices.put_index_template` for a logical index."""
    return {
        "name": template_name(prefix, name),
        "index_patterns": [f"{alias_name(prefix, name)}-v*"],
        "priority": TEMPLATE_PRIORITY,
        "template": {"settings": index_settings(name), "mappings": mappings(name, analyzer)},
        "meta": {"cluewatch_mapping": MAPPING_VERSION},
    }


def alias_swap(alias: str, old: str, new: str) -> list[dict[str, Any]]:
    """One `_aliases` request moving `alias` from `old` to `new` atomically."""
    return [
        {"remove": {"index": old, "alias": alias, "must_exist": True}},
        {"add": {"index": new, "alias": alias}},
    ]


# -- post documents ------------------------------------------------------------------------


def search_copy(text: str) -> str:
    """The normalised copy of a text that search and highlighting run on."""
    return normalize(text).replace(HIT_START, "\ufffd").replace(HIT_END, "\ufffd")


def actor_id_for(key: str) -> str:
    """The id of an actor first seen with this contact key."""
    return "a" + hashlib.sha256(key.encode()).hexdigest()[:15]


def post_document(sp: ScoredPost, *, signature: bytes | None = None) -> dict[str, Any]:
    """The stored document of a post: its fields plus what search and filters need."""
    doc = sp.model_dump(mode="json")
    matches = sp.scores.matches
    doc["search"] = {"title": search_copy(sp.post.title), "text": search_copy(sp.post.text)}
    doc["match_terms"] = sorted({m.term for m in matches})
    doc["match_keys"] = sorted({f"{m.category}{MATCH_KEY_SEPARATOR}{m.term}" for m in matches})
    doc["entity_keys"] = sorted(
        {entity_key(e.kind, e.value) for e in sp.scores.entities if e.kind in FILTER_ENTITY_KINDS}
    )
    doc["contact_keys"] = contact_keys(sp.scores.entities)
    doc["neardup"] = {
        "signature": base64.b64encode(signature).decode() if signature else None,
        "bands": neardup.band_keys(signature) if signature else [],
    }
    return doc


def post_from_source(source: Mapping[str, Any]) -> ScoredPost:
    """The `ScoredPost` of a stored document (derived fields dropped)."""
    return ScoredPost.model_validate({k: source[k] for k in POST_FIELDS if k in source})


def signature_from_source(source: Mapping[str, Any]) -> bytes | None:
    encoded = (source.get("neardup") or {}).get("signature")
    return base64.b64decode(encoded) if encoded else None


# -- bulk actions ------------------------------------------------------------------------------


def conditional(response: Mapping[str, Any]) -> dict[str, int]:
    """`if_seq_no`/`if_primary_term` of a document as it was read (get, mget or a hit)."""
    return {"if_seq_no": response["_seq_no"], "if_primary_term": response["_primary_term"]}


def export_write(
    alias: str, record: ExportRecord, *, guarded: bool, read: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Arguments of the `index` call storing a bundle record: unconditional, or
    (`guarded`) only as a new document (`read` None) or over the document read."""
    arguments: dict[str, Any] = {
        "index": alias,
        "id": record.id,
        "document": record.model_dump(mode="json"),
        "refresh": "wait_for",
        "require_alias": True,
    }
    if guarded:
        arguments |= {"op_type": "create"} if read is None else conditional(read)
    return arguments


def post_action(
    alias: str, doc: Mapping[str, Any], *, read: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Bulk action writing a post: `create` when new, else a conditional `index`
    against the version read (`read` is the mget document)."""
    action: dict[str, Any] = {
        "_op_type": "create" if read is None else "index",
        "_index": alias,
        "_id": doc["post"]["id"],
        "_source": doc,
    }
    if read is not None:
        action.update(conditional(read))
    return action


def history_action(alias: str, old: Mapping[str, Any], replaced_at: datetime) -> dict[str, Any]:
    """Bulk action keeping the replaced content of a post, id'd by the version it
    had (so a repeated write does not add a second copy)."""
    version = int(old["version"])
    post = old["post"]
    return {
        "_op_type": "index",
        "_index": alias,
        "_id": f"{post['id']}-{version}",
        "_source": {
            "post_id": post["id"],
            "version": version,
            "replaced_at": iso(replaced_at),
            "title": post["title"],
            "text": post["text"],
            "content_hash": post["content_hash"],
            "raw_hash": post.get("raw_hash"),
            "captured_at": post["captured_at"],
            "score": old["scores"]["score"],
        },
    }


def contact_action(alias: str, key: str, actor_id: str, actor_created_at: str) -> dict[str, Any]:
    """Bulk action recording a contact key's actor; `create`, so the first writer wins."""
    return {
        "_op_type": "create",
        "_index": alias,
        "_id": key,
        "_source": {"key": key, "actor_id": actor_id, "actor_created_at": actor_created_at},
    }


def audit_action(alias: str, event: AuditEvent) -> dict[str, Any]:
    """Bulk action appending an audit event: `create` with id = seq, never an overwrite."""
    return {
        "_op_type": "create",
        "_index": alias,
        "_id": str(event.seq),
        "_source": event.model_dump(mode="json"),
    }


def state_update_action(
    alias: str, post_id: str, fields: Mapping[str, Any], read: Mapping[str, Any]
) -> dict[str, Any]:
    """Bulk partial update of a post, only if it is unchanged since `read`."""
    return {
        "_op_type": "update",
        "_index": alias,
        "_id": post_id,
        "doc": dict(fields),
        **conditional(read),
    }


def delete_action(alias: str, doc_id: str, read: Mapping[str, Any]) -> dict[str, Any]:
    return {"_op_type": "delete", "_index": alias, "_id": doc_id, **conditional(read)}


def bulk_item(info: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """(operation, result) of one `streaming_bulk` item such as `{"create": {...}}`."""
    ((op, result),) = info.items()
    return op, result


def bulk_item_status(info: Mapping[str, Any]) -> int:
    return int(bulk_item(info)[1].get("status", 500))


def bulk_item_reason(info: Mapping[str, Any]) -> str:
    """A one-line reason for a failed bulk item, naming the field when ES does."""
    op, result = bulk_item(info)
    error = result.get("error")
    status = result.get("status", "?")
    if isinstance(error, Mapping):
        parts = [f"{error.get('type', 'error')}: {error.get('reason', '')}".rstrip(": ")]
        cause = error.get("caused_by")
        while isinstance(cause, Mapping) and len(parts) < 3:
            parts.append(f"{cause.get('type', 'error')}: {cause.get('reason', '')}".rstrip(": "))
            cause = cause.get("caused_by")
        detail = "; caused by ".join(parts)
    else:
        detail = str(error or "no error detail")
    return f"elasticsearch refused {op} (status {status}): {detail}"


# -- queue ---------------------------------------------------------------------------------


def queue_sort(sort: str) -> list[dict[str, Any]]:
    first = "scores.score" if sort == "score" else "post.captured_at"
    return [{first: {"order": "desc"}}, {"post.id": {"order": "asc"}}]


def text_clauses(q: str) -> list[dict[str, Any]] | None:
    """One clause per search term: the term as a phrase in the title or the text.

    None when the search has no usable term (then nothing matches).
    """
    terms = [search_copy(t) for t in query_terms(q)]
    if not terms:
        return None
    return [
        {
            "bool": {
                "should": [
                    {"match_phrase": {"search.title": term}},
                    {"match_phrase": {"search.text": term}},
                ],
                "minimum_should_match": 1,
            }
        }
        for term in terms
    ]


def queue_query(flt: QueueFilter) -> dict[str, Any]:
    """The bool query of a queue filter: filters in filter context, search in `must`."""
    filters: list[dict[str, Any]] = []
    must: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    states = [s.value for s in dict.fromkeys(flt.states)]
    if states:
        filters.append({"terms": {"state": states}})
    for fieldname, value in (
        ("scores.label", flt.category),
        ("post.site", flt.site),
        ("actor_id", flt.actor_id),
        ("cluster_id", flt.cluster_id),
        ("match_terms", flt.term),
    ):
        if value is not None:
            filters.append({"term": {fieldname: value}})
    if flt.assignee is not None:
        if flt.assignee == "":
            must_not.append({"exists": {"field": "assignee"}})
        else:
            filters.append({"term": {"assignee": flt.assignee}})
    score: dict[str, float] = {}
    if flt.min_score is not None:
        score["gte"] = flt.min_score
    if flt.max_score is not None:
        score["lte"] = flt.max_score
    if score:
        filters.append({"range": {"scores.score": score}})
    captured: dict[str, str] = {}
    if flt.since is not None:
        captured["gte"] = iso(flt.since)
    if flt.until is not None:
        captured["lt"] = iso(flt.until)
    if captured:
        filters.append({"range": {"post.captured_at": captured}})
    if flt.entity:
        filters.append({"terms": {"entity_keys": filter_key(flt.entity)}})
    if flt.q is not None:
        clauses = text_clauses(flt.q)
        if clauses is None:
            must.append({"match_none": {}})
        else:
            must.extend(clauses)
    query: dict[str, Any] = {"filter": filters}
    if must:
        query["must"] = must
    if must_not:
        query["must_not"] = must_not
    return {"bool": query}


def highlight_request() -> dict[str, Any]:
    """ES highlighting of the search copies, hits between private-use sentinels.

    The `default` encoder leaves text as it is (no HTML escaping): fragments are
    parsed into `Fragment`s, and whoever shows them escapes them.
    """
    return {
        "type": "unified",
        "pre_tags": [HIT_START],
        "post_tags": [HIT_END],
        "encoder": "default",
        "require_field_match": True,
        "no_match_size": 0,
        "max_analyzed_offset": MAX_ANALYZED_OFFSET,
        "fields": {
            "search.title": {"number_of_fragments": 0},
            "search.text": {
                "fragment_size": SNIPPET_CHARS,
                "number_of_fragments": 1,
                "boundary_scanner": "sentence",
                "boundary_scanner_locale": "zh-CN",
            },
        },
    }


def queue_search(flt: QueueFilter) -> dict[str, Any]:
    """Keyword arguments of `Elasticsearch.search` for one queue page.

    One more hit than the page holds is asked for: it tells whether there is a
    next page. Raises `ValueError` for a cursor of another sort.
    """
    request: dict[str, Any] = {
        "query": queue_query(flt),
        "sort": queue_sort(flt.sort),
        "size": flt.limit + 1,
        "source_excludes": list(DERIVED_FIELDS),
        "track_total_hits": False,
    }
    if flt.cursor:
        value, after_id = cursors.decode(flt.cursor, flt.sort)
        request["search_after"] = [value, after_id]
    if flt.q and text_clauses(flt.q):
        request["highlight"] = highlight_request()
    return request


def parse_marked(marked: str) -> list[Fragment]:
    """Fragments of a highlighted string: text between the sentinels is a hit.

    Adjacent hits (the highlighter marks overlapping bigrams one by one) merge.
    """
    fragments: list[Fragment] = []
    hit = False
    for piece in re.split(f"({HIT_START}|{HIT_END})", marked):
        if piece == HIT_START:
            hit = True
        elif piece == HIT_END:
            hit = False
        elif piece:
            if fragments and fragments[-1].hit == hit:
                fragments[-1] = Fragment(text=fragments[-1].text + piece, hit=hit)
            else:
                fragments.append(Fragment(text=piece, hit=hit))
    return fragments


def restore_original(fragments: list[Fragment], original: str) -> list[Fragment]:
    """Fragments found in the search copy, cut from the original text at the same
    offsets (the copy keeps the length), with "…" where the snippet is cut."""
    plain = "".join(f.text for f in fragments)
    if not plain:
        return []
    start = search_copy(original).find(plain)
    if start < 0:
        return fragments
    out: list[Fragment] = [Fragment(text="…")] if start > 0 else []
    position = start
    for fragment in fragments:
        end = position + len(fragment.text)
        out.append(Fragment(text=original[position:end], hit=fragment.hit))
        position = end
    if position < len(original):
        out.append(Fragment(text="…"))
    return out


def hit_highlights(hit: Mapping[str, Any], sp: ScoredPost) -> list[Highlight]:
    """Highlights of one search hit, title first."""
    found = hit.get("highlight") or {}
    out: list[Highlight] = []
    fields: tuple[tuple[str, Literal["title", "text"], str], ...] = (
        ("search.title", "title", sp.post.title),
        ("search.text", "text", sp.post.text),
    )
    for es_field, name, original in fields:
        marked = found.get(es_field)
        if not marked:
            continue
        fragments = restore_original(parse_marked(marked[0]), original)
        if any(f.hit for f in fragments):
            out.append(Highlight(field=name, fragments=fragments))
    return out


def queue_page(hits: Sequence[Mapping[str, Any]], flt: QueueFilter) -> QueuePage:
    """The page of a queue search asked for with `queue_search` (limit + 1 hits)."""
    shown = hits[: flt.limit]
    items = [post_from_source(h["_source"]) for h in shown]
    next_cursor = None
    if len(hits) > flt.limit:
        value, post_id = shown[-1]["sort"]
        next_cursor = cursors.encode(flt.sort, value, post_id)
    highlights: dict[str, list[Highlight]] = {}
    if flt.q:
        for hit, sp in zip(shown, items, strict=True):
            highlights[sp.post.id] = hit_highlights(hit, sp)
    return QueuePage(items=items, next_cursor=next_cursor, highlights=highlights)


def oldest_first() -> list[dict[str, Any]]:
    """Timeline order of posts: capture time, then first storage, then id."""
    return [
        {"post.captured_at": {"order": "asc"}},
        {"first_seen_at": {"order": "asc"}},
        {"post.id": {"order": "asc"}},
    ]


def purge_search(older_than: datetime) -> dict[str, Any]:
    """Dismissed posts last changed before `older_than`, oldest first, with what a
    conditional delete needs."""
    return {
        "query": {
            "bool": {
                "filter": [
                    {"term": {"state": ClueState.DISMISSED.value}},
                    {"range": {"updated_at": {"lt": iso(older_than)}}},
                ]
            }
        },
        "sort": [{"first_seen_at": {"order": "asc"}}, {"post.id": {"order": "asc"}}],
        "source_includes": ["post.id", "post.raw_hash"],
        "seq_no_primary_term": True,
        "size": 1000,
    }


def raw_hash_request(hashes: Sequence[str]) -> dict[str, Any]:
    """Which of these raw hashes stored posts still refer to."""
    return {
        "query": {"bool": {"filter": [{"terms": {"post.raw_hash": list(hashes)}}]}},
        "size": 0,
        "aggs": {"hashes": {"terms": {"field": "post.raw_hash", "size": max(1, len(hashes))}}},
    }


# -- near-duplicate clusters -----------------------------------------------------------------------


def neardup_search(bands: Sequence[int], exclude_id: str) -> dict[str, Any]:
    """Search body for stored posts that share a MinHash band with a new post."""
    return {
        "query": {
            "bool": {
                "filter": [{"terms": {"neardup.bands": list(bands)}}],
                "must_not": [{"term": {"post.id": exclude_id}}],
            }
        },
        "size": MAX_CLUSTER_CANDIDATES,
        "_source": ["post.id", "cluster_id", "neardup.signature"],
        "sort": [{"first_seen_at": {"order": "asc"}}, {"post.id": {"order": "asc"}}],
    }


# -- actors ------------------------------------------------------------------------------------


@dataclass
class ActorLinks:
    """Actors of a batch of posts: per post, contact keys to record, actors to merge."""

    post_actors: list[str | None] = field(default_factory=list)
    # contact key -> (actor id, the actor's creation time)
    new_contacts: dict[str, tuple[str, str]] = field(default_factory=dict)
    # stored actor -> (surviving actor, its creation time)
    merges: dict[str, tuple[str, str]] = field(default_factory=dict)


def link_actors(
    post_keys: Sequence[Sequence[str]], known: Mapping[str, tuple[str, str]], now: str
) -> ActorLinks:
    """Connect posts to actors through their contact keys, in batch order.

    `known` maps stored contact keys to (actor id, actor creation time). A post
    with no known key starts an actor; one with keys of several actors merges
    them into the oldest (creation time, then id).
    """
    key_actor = {key: actor for key, (actor, _) in known.items()}
    created = {actor: at for actor, at in known.values()}
    stored = set(created)
    parent: dict[str, str] = {}

    def find(actor: str) -> str:
        while actor in parent:
            actor = parent[actor]
        return actor

    raw: list[str | None] = []
    new_keys: dict[str, str] = {}
    for keys in post_keys:
        if not keys:
            raw.append(None)
            continue
        found = sorted(
            {find(key_actor[k]) for k in keys if k in key_actor}, key=lambda a: (created[a], a)
        )
        if found:
            actor = found[0]
            for other in found[1:]:
                parent[other] = actor
        else:
            actor = actor_id_for(keys[0])
            created.setdefault(actor, now)
        for key in keys:
            if key not in key_actor:
                key_actor[key] = actor
                new_keys[key] = actor
        raw.append(actor)
    links = ActorLinks(post_actors=[find(a) if a else None for a in raw])
    for key, actor in new_keys.items():
        root = find(actor)
        links.new_contacts[key] = (root, created[root])
    for loser in parent:
        if loser in stored:
            root = find(loser)
            links.merges[loser] = (root, created[root])
    return links


def merge_script(actor_id: str, created_at: str) -> dict[str, Any]:
    """Painless script of `update_by_query` moving documents to a surviving actor."""
    return {
        "lang": "painless",
        "source": (
            "ctx._source.actor_id = params.actor;"
            " if (ctx._source.containsKey('actor_created_at'))"
            " { ctx._source.actor_created_at = params.created; }"
        ),
        "params": {"actor": actor_id, "created": created_at},
    }


def actor_summary_aggs() -> dict[str, Any]:
    """Sub-aggregations summarising an actor's posts."""
    return {
        "flagged": {"filter": {"term": {"scores.flagged": True}}},
        "sites": {"terms": {"field": "post.site", "size": 1000, "order": {"_key": "asc"}}},
        "categories": {
            "filter": {"term": {"scores.flagged": True}},
            "aggs": {"labels": {"terms": {"field": "scores.label", "size": 100}}},
        },
        "first": {"min": {"field": "post.captured_at"}},
        "last": {"max": {"field": "post.captured_at"}},
    }


def actor_request(actor_id: str) -> dict[str, Any]:
    return {
        "query": {"bool": {"filter": [{"term": {"actor_id": actor_id}}]}},
        "size": 0,
        "track_total_hits": True,
        "aggs": actor_summary_aggs(),
    }


def actors_request(limit: int, min_posts: int) -> dict[str, Any]:
    """Top actors by flagged posts, then posts, then id, with their summaries."""
    return {
        "query": {"bool": {"filter": [{"exists": {"field": "actor_id"}}]}},
        "size": 0,
        "aggs": {
            "actors": {
                "terms": {
                    "field": "actor_id",
                    "size": limit,
                    "min_doc_count": max(1, min_posts),
                    "order": [{"flagged": "desc"}, {"_count": "desc"}, {"_key": "asc"}],
                },
                "aggs": actor_summary_aggs(),
            }
        },
    }


def _millis(value: Any) -> datetime | None:
    """A date aggregation value (epoch milliseconds) as a UTC datetime."""
    if value is None:
        return None
    return EPOCH + timedelta(milliseconds=round(float(value)))


def parse_actor(
    actor_id: str,
    posts: int,
    aggs: Mapping[str, Any],
    contacts: Sequence[str],
    created_at: datetime,
) -> Actor:
    """An `Actor` from the summary aggregations of its posts (a bucket or a response)."""
    labels = aggs["categories"]["labels"]["buckets"]
    categories = {
        b["key"]: b["doc_count"] for b in sorted(labels, key=lambda b: (-b["doc_count"], b["key"]))
    }
    return Actor(
        id=actor_id,
        contacts=sorted(contacts),
        posts=posts,
        flagged_posts=aggs["flagged"]["doc_count"],
        sites=sorted(b["key"] for b in aggs["sites"]["buckets"]),
        categories=categories,
        first_seen=_millis(aggs["first"].get("value")) or created_at,
        last_seen=_millis(aggs["last"].get("value")) or created_at,
    )


# -- audit -------------------------------------------------------------------------------------


def chain(events: Sequence[AuditEvent], seq: int, prev_hash: str) -> list[AuditEvent]:
    """Events numbered after `seq` and hash-chained after `prev_hash`."""
    out: list[AuditEvent] = []
    for event in events:
        seq += 1
        digest = event_hash(event, prev_hash)
        out.append(event.model_copy(update={"seq": seq, "prev_hash": prev_hash, "hash": digest}))
        prev_hash = digest
    return out


def audit_head(seq: int, digest: str, now: datetime) -> dict[str, Any]:
    """The head document: the last seq and hash of the chain."""
    return {"audit_seq": seq, "audit_hash": digest, "updated_at": iso(now)}


def audit_query(
    post_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    before_seq: int | None = None,
) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [
        {"term": {name: value}}
        for name, value in (("post_id", post_id), ("actor", actor), ("action", action))
        if value is not None
    ]
    at = {k: iso(v) for k, v in (("gte", since), ("lt", until)) if v is not None}
    if at:
        filters.append({"range": {"at": at}})
    if before_seq is not None:
        filters.append({"range": {"seq": {"lt": before_seq}}})
    return {"bool": {"filter": filters}}


class ChainCheck:
    """Checks the audit chain page by page (events in seq order): seq gaps, links
    to the previous hash, each event's own hash, and the head document."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.last_seq = 0
        self.last_hash = ""

    def feed(self, events: Iterable[AuditEvent]) -> None:
        for event in events:
            if event.seq != self.last_seq + 1:
                self.problems.append(f"events {self.last_seq + 1} to {event.seq - 1} are missing")
            if event.prev_hash != self.last_hash:
                self.problems.append(
                    f"event {event.seq}: previous hash does not match event before it"
                )
            if event_hash(event, event.prev_hash) != event.hash:
                self.problems.append(f"event {event.seq}: content does not match its hash")
            self.last_seq, self.last_hash = event.seq, event.hash

    def finish(self, head: Mapping[str, Any] | None) -> list[str]:
        if head is not None and (
            head.get("audit_seq") != self.last_seq or head.get("audit_hash") != self.last_hash
        ):
            self.problems.append(
                f"the chain head (seq {head.get('audit_seq')}) does not match "
                f"the last event (seq {self.last_seq})"
            )
        return self.problems


# -- dashboard and reports -----------------------------------------------------------------------


def _period(fieldname: str, since: datetime | None, until: datetime | None) -> list[dict[str, Any]]:
    bounds: dict[str, str] = {}
    if since is not None:
        bounds["gte"] = iso(since)
    if until is not None:
        bounds["lt"] = iso(until)
    return [{"range": {fieldname: bounds}}] if bounds else []


def _per_day(fieldname: str) -> dict[str, Any]:
    return {
        "field": fieldname,
        "calendar_interval": "day",
        "time_zone": "UTC",
        "format": "yyyy-MM-dd",
        "min_doc_count": 1,
    }


def dashboard_request(since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """One search over posts first seen in the period: per day x category of flagged
    posts, per site (with flagged), per state, and confirmed/dismissed per category."""
    confirmed = [s.value for s in CONFIRMED_STATES]
    return {
        "query": {"bool": {"filter": _period("first_seen_at", since, until)}},
        "size": 0,
        "aggs": {
            "flagged_per_day": {
                "filter": {"term": {"scores.flagged": True}},
                "aggs": {
                    "days": {
                        "date_histogram": _per_day("first_seen_at"),
                        "aggs": {"labels": {"terms": {"field": "scores.label", "size": 100}}},
                    }
                },
            },
            "per_site": {
                "terms": {
                    "field": "post.site",
                    "size": 1000,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                },
                "aggs": {"flagged": {"filter": {"term": {"scores.flagged": True}}}},
            },
            "per_state": {"terms": {"field": "state", "size": len(ClueState)}},
            "verdicts_per_category": {
                "filter": {"terms": {"state": [*confirmed, ClueState.DISMISSED.value]}},
                "aggs": {
                    "labels": {
                        "terms": {"field": "scores.label", "size": 100},
                        "aggs": {
                            "confirmed": {"filter": {"terms": {"state": confirmed}}},
                            "dismissed": {"filter": {"term": {"state": ClueState.DISMISSED.value}}},
                        },
                    }
                },
            },
        },
    }


def throughput_request(since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """Verdicts per day per analyst in the period."""
    return {
        "query": {"bool": {"filter": _period("at", since, until)}},
        "size": 0,
        "aggs": {
            "days": {
                "date_histogram": _per_day("at"),
                "aggs": {"analysts": {"terms": {"field": "analyst", "size": 1000}}},
            }
        },
    }


def feedback_counts_request(since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """Police feedback recorded in the period, per outcome."""
    return {
        "query": {"bool": {"filter": _period("at", since, until)}},
        "size": 0,
        "aggs": {"outcomes": {"terms": {"field": "outcome", "size": len(FeedbackOutcome)}}},
    }


def _day_counts(days: Mapping[str, Any], sub: str) -> list[DayCount]:
    rows = [
        DayCount(day=day["key_as_string"], key=bucket["key"], count=bucket["doc_count"])
        for day in days["buckets"]
        for bucket in day[sub]["buckets"]
    ]
    return sorted(rows, key=lambda r: (r.day, r.key))


def parse_dashboard(
    posts: Mapping[str, Any], verdicts: Mapping[str, Any], feedback: Mapping[str, Any]
) -> Aggregations:
    """`Aggregations` from the `aggregations` of the three dashboard searches."""
    per_state = {state.value: 0 for state in ClueState}
    for bucket in posts["per_state"]["buckets"]:
        per_state[bucket["key"]] = bucket["doc_count"]
    outcomes = {outcome.value: 0 for outcome in FeedbackOutcome}
    for bucket in feedback["outcomes"]["buckets"]:
        outcomes[bucket["key"]] = bucket["doc_count"]
    return Aggregations(
        flagged_per_day=_day_counts(posts["flagged_per_day"]["days"], "labels"),
        per_site={
            b["key"]: {"posts": b["doc_count"], "flagged": b["flagged"]["doc_count"]}
            for b in posts["per_site"]["buckets"]
        },
        per_state=per_state,
        throughput=_day_counts(verdicts["days"], "analysts"),
        verdicts_per_category={
            b["key"]: {
                "confirmed": b["confirmed"]["doc_count"],
                "dismissed": b["dismissed"]["doc_count"],
            }
            for b in posts["verdicts_per_category"]["labels"]["buckets"]
        },
        feedback=outcomes,
    )


def state_counts_request() -> dict[str, Any]:
    return {"size": 0, "aggs": {"states": {"terms": {"field": "state", "size": len(ClueState)}}}}


def parse_state_counts(aggs: Mapping[str, Any]) -> dict[ClueState, int]:
    counts = {state: 0 for state in ClueState}
    for bucket in aggs["states"]["buckets"]:
        counts[ClueState(bucket["key"])] = bucket["doc_count"]
    return counts


def term_hits_request(after: Mapping[str, Any] | None = None, size: int = 1000) -> dict[str, Any]:
    """One page of posts per (category, term), with confirmed and dismissed posts.

    `match_keys` holds each post's distinct category/term pairs, so a bucket's
    doc count is the number of posts.
    """
    composite: dict[str, Any] = {
        "size": size,
        "sources": [{"key": {"terms": {"field": "match_keys"}}}],
    }
    if after is not None:
        composite["after"] = dict(after)
    return {
        "size": 0,
        "aggs": {
            "terms": {
                "composite": composite,
                "aggs": {
                    "confirmed": {
                        "filter": {"terms": {"state": [s.value for s in CONFIRMED_STATES]}}
                    },
                    "dismissed": {"filter": {"term": {"state": ClueState.DISMISSED.value}}},
                },
            }
        },
    }


def parse_term_hits(aggs: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Rows of one term-hits page, and the key to ask the next page after."""
    composite = aggs["terms"]
    rows = []
    for bucket in composite["buckets"]:
        category, _, term = bucket["key"]["key"].partition(MATCH_KEY_SEPARATOR)
        rows.append(
            {
                "category": category,
                "term": term,
                "posts": bucket["doc_count"],
                "confirmed": bucket["confirmed"]["doc_count"],
                "dismissed": bucket["dismissed"]["doc_count"],
            }
        )
    after = composite.get("after_key") if composite["buckets"] else None
    return rows, after
