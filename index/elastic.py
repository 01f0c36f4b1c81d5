"""Elasticsearch backend (production): the clue register in aliased, versioned indices.

Every logical index (`index.es_requests.INDEX_NAMES`) is read and written
through the alias `{prefix}-{name}`, which points at `{prefix}-{name}-v{N}`;
`reindex(name)` builds `-v{N+1}` with the current template and swaps the alias
in one `_aliases` request. Request bodies come from `index.es_requests`.

Writes wait for a refresh (`refresh="wait_for"`), so a read right after a write
sees it. Clue state changes are conditional on the `_seq_no`/`_primary_term`
the post was read with, so of two concurrent changes one wins and the other
gets `ConflictError`. The audit chain keeps its head (last seq and hash) in one
document of the `meta` index, advanced with the same conditional write; an
event is then created with its seq as id, never overwritten.

Actors: the `contacts` index maps each contact key to its actor; a post whose
keys belong to several actors merges them into the oldest (`update_by_query`
on posts and contacts). Near-duplicate clusters: posts store their MinHash
signature and band keys; a new post looks up stored posts sharing a band.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    BadRequestError,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)
from elasticsearch import ConflictError as VersionConflict

from cluewatch.errors import ConflictError, LifecycleError, NotFound, StoreError
from index import es_requests as req
from index import neardup
from index.base import PurgeResult, User, WriteResult, export_conflict, validate_posts
from index.contacts import contact_keys
from index.models import (
    VERDICT_FROM,
    VERDICT_STATE,
    Actor,
    Aggregations,
    AuditEvent,
    ClueState,
    CrawlRun,
    ExportRecord,
    Feedback,
    QueueFilter,
    QueuePage,
    ScoredPost,
    Verdict,
    utcnow,
)

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

BULK_CHUNK = 200
BULK_BYTES = 20 * 1024 * 1024
MGET_CHUNK = 500
MSEARCH_CHUNK = 100
CONFLICT_ROUNDS = 5
AUDIT_ATTEMPTS = 50
MERGE_ATTEMPTS = 5
LIST_LIMIT = 10_000
_PREFIX_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,150}")


def _translated(method: Callable[P, R]) -> Callable[P, R]:
    """Elasticsearch failures not handled by the method become `StoreError`."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (ApiError, TransportError) as exc:
            raise StoreError(f"Elasticsearch request failed in {method.__name__}: {exc}") from exc

    return wrapper


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Plan:
    """One post of a write round: what is written and what was stored before."""

    position: int
    sp: ScoredPost
    old: Mapping[str, Any] | None  # the stored document as read (mget), None for a new post
    previous: ScoredPost | None
    signature: bytes | None
    keys: list[str]
    cluster_id: str | None = None
    state: ClueState = ClueState.UNFLAGGED


class ElasticStore:
    """The clue register in Elasticsearch 8 (official client, aliases over versioned indices)."""

    backend = "elasticsearch"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "cluewatch",
        request_timeout: float = 30.0,
        client: Elasticsearch | None = None,
    ) -> None:
        if not _PREFIX_RE.fullmatch(prefix):
            raise StoreError(
                f"index prefix {prefix!r} is not usable: lowercase letters, digits, '-', '_', '.'"
            )
        self.url = req.redact_url(url)
        self.prefix = prefix
        password = urlsplit(url).password if "://" in url else None
        try:
            self.es = client or Elasticsearch(
                url, request_timeout=request_timeout, max_retries=2, retry_on_timeout=True
            )
            self.es.info()
        except AuthenticationException as exc:
            raise StoreError(
                f"Elasticsearch at {self.url} refused the credentials: put the user and "
                "password in CLUEWATCH_ES_URL (http://USER:PASSWORD@HOST:9200)"
            ) from exc
        except (ApiError, TransportError, ValueError) as exc:
            reason = str(exc).replace(password, "***") if password else str(exc)
            raise StoreError(
                f"cannot use Elasticsearch at {self.url} ({reason}): check CLUEWATCH_ES_URL "
                "and that the cluster is running and reachable from this host"
            ) from exc
        self.aliases = {name: req.alias_name(prefix, name) for name in req.INDEX_NAMES}
        try:
            self.analyzer = self._detect_analyzer()
            self._ensure_indices()
        except (ApiError, TransportError) as exc:
            raise StoreError(
                f"cannot set up the indices {prefix}-* at {self.url}: {exc}; check that the "
                "user may manage index templates, indices and aliases"
            ) from exc

    # -- set-up ---------------------------------------------------------------------

    def _detect_analyzer(self) -> str:
        try:
            info = self.es.nodes.info(metric="plugins")
        except AuthorizationException:
            logger.warning(
                "cannot list Elasticsearch plugins at %s; using the cjk analyzer", self.url
            )
            return "cjk"
        return req.chinese_analyzer(info.body)

    def _ensure_indices(self) -> None:
        """Templates for every logical index; `-v1` with its alias where none exists."""
        for name, alias in self.aliases.items():
            self.es.indices.put_index_template(
                **req.index_template(self.prefix, name, self.analyzer)
            )
            if self.es.indices.exists_alias(name=alias):
                continue
            first = req.index_name(self.prefix, name, 1)
            try:
                self.es.indices.create(index=first, aliases={alias: {}})
            except BadRequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
                if not self.es.indices.exists_alias(name=alias):
                    self.es.indices.put_alias(index=first, name=alias)

    def _concrete(self, name: str) -> str:
        """The index the alias of `name` points at."""
        indices = list(self.es.indices.get_alias(name=self.aliases[name]).body)
        if len(indices) != 1:
            raise StoreError(f"alias {self.aliases[name]} points at {indices}, expected one index")
        return indices[0]

    @_translated
    def reindex(self, name: str, *, delete_old: bool = False) -> str:
        """Move a logical index to a new concrete index with the current mapping.

        Copies into `-v{N+1}`, swaps the alias atomically, then copies again what
        was written to the old index meanwhile (newer versions win). Returns the
        new index name.
        """
        if name not in self.aliases:
            raise ValueError(f"unknown index {name!r}; one of {', '.join(self.aliases)}")
        old = self._concrete(name)
        version = req.index_version(self.prefix, name, old)
        if version is None:
            raise StoreError(f"alias {self.aliases[name]} points at {old}, not a versioned index")
        new = req.index_name(self.prefix, name, version + 1)
        self.es.indices.put_index_template(**req.index_template(self.prefix, name, self.analyzer))
        self.es.indices.create(index=new)
        self._copy(old, new)
        self.es.indices.update_aliases(actions=req.alias_swap(self.aliases[name], old, new))
        self._copy(old, new)
        if delete_old:
            self.es.indices.delete(index=old)
        return new

    def _copy(self, source: str, dest: str) -> None:
        self.es.options(request_timeout=3600).reindex(
            source={"index": source},
            dest={"index": dest, "version_type": "external"},
            conflicts="proceed",
            refresh=True,
            wait_for_completion=True,
        )

    @_translated
    def drop(self) -> None:
        """Delete every index and template of this prefix (tests, decommissioning)."""
        found = self.es.indices.get(index=f"{self.prefix}-*", expand_wildcards="all").body
        ours = [
            index
            for index in found
            if any(req.index_version(self.prefix, name, index) is not None for name in self.aliases)
        ]
        if ours:
            self.es.indices.delete(index=ours)
        for name in self.aliases:
            self.es.options(ignore_status=404).indices.delete_index_template(
                name=req.template_name(self.prefix, name)
            )

    def close(self) -> None:
        self.es.close()

    # -- low-level ------------------------------------------------------------------

    def _bulk(self, actions: list[dict[str, Any]]) -> list[tuple[bool, dict[str, Any]]]:
        """Per-action (ok, item) in the order given; item errors do not raise."""
        if not actions:
            return []
        return list(
            helpers.streaming_bulk(
                self.es,
                actions,
                chunk_size=BULK_CHUNK,
                max_chunk_bytes=BULK_BYTES,
                raise_on_error=False,
                raise_on_exception=False,
                refresh="wait_for",
                require_alias=True,
            )
        )

    def _mget(self, name: str, ids: Sequence[str], **params: Any) -> dict[str, dict[str, Any]]:
        """Found documents by id (with `_seq_no`/`_primary_term`)."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(ids))
        for chunk in _chunks(unique, MGET_CHUNK):
            response = self.es.mget(index=self.aliases[name], ids=list(chunk), **params)
            for doc in response["docs"]:
                if doc.get("found"):
                    found[doc["_id"]] = doc
        return found

    def _search_all(
        self,
        name: str,
        *,
        query: Mapping[str, Any],
        sort: list[Any],
        size: int = 1000,
        **params: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every hit of a query, page by page with `search_after`."""
        after: list[Any] | None = None
        while True:
            hits = self.es.search(
                index=self.aliases[name],
                query=query,
                sort=sort,
                size=size,
                search_after=after,
                **params,
            )["hits"]["hits"]
            yield from hits
            if len(hits) < size:
                return
            after = hits[-1]["sort"]

    def _read(self, post_id: str) -> tuple[dict[str, Any], ScoredPost]:
        try:
            doc = self.es.get(
                index=self.aliases["posts"], id=post_id, source_excludes=list(req.DERIVED_FIELDS)
            ).body
        except NotFoundError:
            raise NotFound(f"no post with id {post_id!r}") from None
        return doc, req.post_from_source(doc["_source"])

    def _posts(self, **search: Any) -> list[ScoredPost]:
        hits = self.es.search(
            index=self.aliases["posts"], source_excludes=list(req.DERIVED_FIELDS), **search
        )["hits"]["hits"]
        return [req.post_from_source(hit["_source"]) for hit in hits]

    # -- posts ------------------------------------------------------------------------

    @_translated
    def write_posts(self, items: Sequence[ScoredPost | Mapping[str, Any]]) -> WriteResult:
        result = WriteResult()
        pending = validate_posts(items, result)
        repeats = max(Counter(sp.post.id for _, sp in pending).values(), default=0)
        for _ in range(CONFLICT_ROUNDS + repeats):
            if not pending:
                break
            pending = self._write_round(pending, result)
        for position, sp in pending:
            result.rejected.append(
                (position, f"post {sp.post.id} was changed by another writer meanwhile; retry")
            )
        result.rejected.sort()
        return result

    def _write_round(
        self, entries: list[tuple[int, ScoredPost]], result: WriteResult
    ) -> list[tuple[int, ScoredPost]]:
        """Write what can be written now; return entries for another round (a second
        version of a post in the same batch, or a post changed concurrently)."""
        now = utcnow()
        stored = self._mget(
            "posts",
            [sp.post.id for _, sp in entries],
            source_excludes=list(req.DERIVED_FIELDS),
        )
        again: list[tuple[int, ScoredPost]] = []
        planned: dict[str, str] = {}
        plans: list[_Plan] = []
        for position, sp in entries:
            post_id = sp.post.id
            if post_id in planned:
                if planned[post_id] == sp.post.content_hash:
                    result.unchanged += 1
                else:
                    again.append((position, sp))
                continue
            old = stored.get(post_id)
            if old is not None and old["_source"]["post"]["content_hash"] == sp.post.content_hash:
                result.unchanged += 1
                continue
            planned[post_id] = sp.post.content_hash
            plans.append(
                _Plan(
                    position=position,
                    sp=sp,
                    old=old,
                    previous=req.post_from_source(old["_source"]) if old is not None else None,
                    signature=neardup.signature(sp.post.scored_text),
                    keys=contact_keys(sp.scores.entities),
                )
            )
        if not plans:
            return again
        self._assign_clusters(plans)
        links = self._link_actors(plans, now)
        actions = []
        for plan, actor_id in zip(plans, links.post_actors, strict=True):
            actions.append(
                req.post_action(
                    self.aliases["posts"], self._document(plan, actor_id, now), read=plan.old
                )
            )
        written: list[_Plan] = []
        for plan, (ok, info) in zip(plans, self._bulk(actions), strict=True):
            if ok:
                written.append(plan)
            elif req.bulk_item_status(info) == 409:
                again.append((plan.position, plan.sp))
            else:
                result.rejected.append((plan.position, req.bulk_item_reason(info)))
        if written:
            self._after_write(written, links, now, result)
        return again

    def _document(self, plan: _Plan, actor_id: str | None, now: datetime) -> dict[str, Any]:
        """The post as stored: state, version and store-set fields decided here."""
        sp, previous = plan.sp, plan.previous
        update: dict[str, Any]
        if previous is None:
            plan.state = ClueState.REGISTERED if sp.scores.flagged else ClueState.UNFLAGGED
            update = {
                "state": plan.state,
                "version": 1,
                "updated_at": now,
                "first_seen_at": now,
                "cluster_id": plan.cluster_id,
                "actor_id": actor_id,
            }
        else:
            plan.state = previous.state
            if plan.state is ClueState.UNFLAGGED and sp.scores.flagged:
                plan.state = ClueState.REGISTERED
            update = {
                "state": plan.state,
                "version": previous.version + 1,
                "updated_at": now,
                "first_seen_at": previous.first_seen_at,
                "assignee": previous.assignee,
                "cluster_id": plan.cluster_id,
                "actor_id": actor_id or previous.actor_id,
            }
        return req.post_document(sp.model_copy(update=update), signature=plan.signature)

    def _assign_clusters(self, plans: list[_Plan]) -> None:
        """Cluster ids in batch order: a changed post keeps its cluster; otherwise the
        cluster of the most similar stored or earlier post, or the post's own id."""
        for plan in plans:
            if plan.previous is not None:
                plan.cluster_id = plan.previous.cluster_id
        lookups = [p for p in plans if p.signature is not None and p.cluster_id is None]
        stored: dict[int, list[tuple[bytes, str]]] = {}
        for chunk in _chunks(lookups, MSEARCH_CHUNK):
            searches: list[dict[str, Any]] = []
            for plan in chunk:
                assert plan.signature is not None
                searches.append({"index": self.aliases["posts"]})
                searches.append(
                    req.neardup_search(neardup.band_keys(plan.signature), plan.sp.post.id)
                )
            responses = self.es.msearch(searches=searches)["responses"]
            for plan, response in zip(chunk, responses, strict=True):
                if "error" in response:
                    raise StoreError(f"near-duplicate lookup failed: {response['error']}")
                candidates = []
                for hit in response["hits"]["hits"]:
                    source = hit["_source"]
                    sig = req.signature_from_source(source)
                    if sig is not None:
                        candidates.append((sig, source.get("cluster_id") or source["post"]["id"]))
                stored[id(plan)] = candidates
        earlier: list[tuple[bytes, str]] = []
        for plan in plans:
            if plan.signature is None:
                continue
            if plan.cluster_id is None:
                plan.cluster_id = (
                    neardup.best_cluster(plan.signature, [*stored.get(id(plan), []), *earlier])
                    or plan.sp.post.id
                )
            earlier.append((plan.signature, plan.cluster_id))

    def _link_actors(self, plans: list[_Plan], now: datetime) -> req.ActorLinks:
        keys = [key for plan in plans for key in plan.keys]
        known = {
            key: (doc["_source"]["actor_id"], doc["_source"]["actor_created_at"])
            for key, doc in self._mget("contacts", keys).items()
        }
        return req.link_actors([plan.keys for plan in plans], known, req.iso(now))

    def _after_write(
        self, written: list[_Plan], links: req.ActorLinks, now: datetime, result: WriteResult
    ) -> None:
        """History, contacts, actor merges and audit events of the posts just written."""
        side: list[dict[str, Any]] = [
            req.history_action(self.aliases["history"], plan.old["_source"], now)
            for plan in written
            if plan.old is not None
        ]
        written_keys = {key for plan in written for key in plan.keys}
        contacts = {k: v for k, v in links.new_contacts.items() if k in written_keys}
        side.extend(
            req.contact_action(self.aliases["contacts"], key, actor, created)
            for key, (actor, created) in contacts.items()
        )
        merges = dict(links.merges)
        for action, (ok, info) in zip(side, self._bulk(side), strict=True):
            if ok:
                continue
            if action["_index"] == self.aliases["contacts"] and req.bulk_item_status(info) == 409:
                merges.update(self._contact_race(action["_id"], *contacts[action["_id"]]))
            else:
                logger.error("%s not recorded: %s", action["_id"], req.bulk_item_reason(info))
        self._merge_actors(merges)
        events = []
        for plan in written:
            post_id = plan.sp.post.id
            if plan.old is None:
                result.new += 1
                result.new_ids.append(post_id)
                if plan.state is ClueState.REGISTERED:
                    events.append(
                        AuditEvent(
                            actor="system",
                            action="register",
                            post_id=post_id,
                            after={
                                "state": plan.state.value,
                                "score": plan.sp.scores.score,
                                "label": plan.sp.scores.label,
                            },
                        )
                    )
            else:
                result.changed += 1
                assert plan.previous is not None
                events.append(
                    AuditEvent(
                        actor="system",
                        action="content_changed",
                        post_id=post_id,
                        before={
                            "content_hash": plan.previous.post.content_hash,
                            "state": plan.previous.state.value,
                        },
                        after={
                            "content_hash": plan.sp.post.content_hash,
                            "state": plan.state.value,
                        },
                    )
                )
        self._append_events(events)

    def _contact_race(self, key: str, ours: str, ours_created: str) -> dict[str, tuple[str, str]]:
        """Another writer recorded this contact key first: merge the younger actor."""
        stored = self.es.get(index=self.aliases["contacts"], id=key)["_source"]
        theirs, theirs_created = stored["actor_id"], stored["actor_created_at"]
        if theirs == ours:
            return {}
        (_, survivor), (_, loser) = sorted([(ours_created, ours), (theirs_created, theirs)])
        created = min(ours_created, theirs_created)
        return {loser: (survivor, created)}

    def _merge_actors(self, merges: Mapping[str, tuple[str, str]]) -> None:
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for loser, target in merges.items():
            groups[target].append(loser)
        for (survivor, created), losers in groups.items():
            for name in ("contacts", "posts"):
                for _ in range(MERGE_ATTEMPTS):
                    response = self.es.update_by_query(
                        index=self.aliases[name],
                        query={"terms": {"actor_id": losers}},
                        script=req.merge_script(survivor, created),
                        conflicts="proceed",
                        refresh=True,
                    )
                    if not response.get("version_conflicts"):
                        break

    @_translated
    def content_hashes(self, post_ids: Iterable[str]) -> dict[str, str]:
        docs = self._mget("posts", list(post_ids), source_includes=["post.content_hash"])
        return {post_id: doc["_source"]["post"]["content_hash"] for post_id, doc in docs.items()}

    @_translated
    def get(self, post_id: str) -> ScoredPost:
        return self._read(post_id)[1]

    @_translated
    def get_many(self, post_ids: Sequence[str]) -> list[ScoredPost]:
        docs = self._mget("posts", list(post_ids), source_excludes=list(req.DERIVED_FIELDS))
        found = {post_id: req.post_from_source(doc["_source"]) for post_id, doc in docs.items()}
        return [found[post_id] for post_id in post_ids if post_id in found]

    # -- queue and views -----------------------------------------------------------------

    @_translated
    def queue(self, flt: QueueFilter) -> QueuePage:
        request = req.queue_search(flt)
        hits = self.es.search(index=self.aliases["posts"], **request)["hits"]["hits"]
        return req.queue_page(hits, flt)

    @_translated
    def thread(self, thread_id: str, *, limit: int = 500) -> list[ScoredPost]:
        out: list[ScoredPost] = []
        with contextlib.suppress(NotFound):
            out.append(self._read(thread_id)[1])
        if limit - len(out) > 0:
            out.extend(
                self._posts(
                    query={
                        "bool": {
                            "filter": [{"term": {"post.thread_id": thread_id}}],
                            "must_not": [{"term": {"post.id": thread_id}}],
                        }
                    },
                    sort=[{"post.captured_at": {"order": "asc"}}, {"post.id": {"order": "asc"}}],
                    size=limit - len(out),
                )
            )
        return out[:limit]

    @_translated
    def cluster(self, cluster_id: str, *, limit: int = 200) -> list[ScoredPost]:
        return self._posts(
            query={"bool": {"filter": [{"term": {"cluster_id": cluster_id}}]}},
            sort=req.oldest_first(),
            size=limit,
        )

    @_translated
    def actor(self, actor_id: str) -> Actor:
        contacts = self._actor_contacts([actor_id]).get(actor_id)
        if not contacts:
            raise NotFound(f"no actor with id {actor_id!r}")
        keys, created = contacts
        response = self.es.search(index=self.aliases["posts"], **req.actor_request(actor_id))
        posts = int(response["hits"]["total"]["value"])
        return req.parse_actor(actor_id, posts, response["aggregations"], keys, created)

    def _actor_contacts(self, actor_ids: Sequence[str]) -> dict[str, tuple[list[str], datetime]]:
        """Contact keys and creation time per actor."""
        hits = self.es.search(
            index=self.aliases["contacts"],
            query={"bool": {"filter": [{"terms": {"actor_id": list(actor_ids)}}]}},
            sort=[{"key": {"order": "asc"}}],
            size=LIST_LIMIT,
        )["hits"]["hits"]
        out: dict[str, tuple[list[str], datetime]] = {}
        for hit in hits:
            source = hit["_source"]
            created = datetime.fromisoformat(source["actor_created_at"])
            keys, first = out.get(source["actor_id"], ([], created))
            keys.append(source["key"])
            out[source["actor_id"]] = (keys, min(first, created))
        return out

    @_translated
    def actors(self, *, limit: int = 50, min_posts: int = 1) -> list[Actor]:
        response = self.es.search(
            index=self.aliases["posts"], **req.actors_request(limit, min_posts)
        )
        buckets = response["aggregations"]["actors"]["buckets"]
        contacts = self._actor_contacts([b["key"] for b in buckets]) if buckets else {}
        now = utcnow()
        out = []
        for bucket in buckets:
            keys, created = contacts.get(bucket["key"], ([], now))
            out.append(req.parse_actor(bucket["key"], bucket["doc_count"], bucket, keys, created))
        return out

    @_translated
    def actor_posts(self, actor_id: str, *, limit: int = 500) -> list[ScoredPost]:
        return self._posts(
            query={"bool": {"filter": [{"term": {"actor_id": actor_id}}]}},
            sort=req.oldest_first(),
            size=limit,
        )

    # -- dashboard and reports -------------------------------------------------------------

    @_translated
    def aggregations(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Aggregations:
        posts = self.es.search(index=self.aliases["posts"], **req.dashboard_request(since, until))[
            "aggregations"
        ]
        verdicts = self.es.search(
            index=self.aliases["verdicts"], **req.throughput_request(since, until)
        )["aggregations"]
        feedback = self.es.search(
            index=self.aliases["feedback"], **req.feedback_counts_request(since, until)
        )["aggregations"]
        return req.parse_dashboard(posts, verdicts, feedback)

    @_translated
    def count_by_state(self) -> dict[ClueState, int]:
        response = self.es.search(index=self.aliases["posts"], **req.state_counts_request())
        return req.parse_state_counts(response["aggregations"])

    @_translated
    def count_posts(self) -> int:
        return int(self.es.count(index=self.aliases["posts"])["count"])

    @_translated
    def term_hits(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        after: dict[str, Any] | None = None
        while True:
            response = self.es.search(index=self.aliases["posts"], **req.term_hits_request(after))
            page, after = req.parse_term_hits(response["aggregations"])
            rows.extend(page)
            if after is None or not page:
                break
        return sorted(rows, key=lambda r: (-r["posts"], r["category"], r["term"]))

    @_translated
    def history(self, post_id: str) -> list[dict[str, Any]]:
        hits = self._search_all(
            "history",
            query={"bool": {"filter": [{"term": {"post_id": post_id}}]}},
            sort=[{"version": {"order": "asc"}}, {"replaced_at": {"order": "asc"}}],
        )
        return [{k: v for k, v in hit["_source"].items() if k != "version"} for hit in hits]

    # -- lifecycle ----------------------------------------------------------------------------

    def _change_state(
        self,
        post_id: str,
        *,
        expected_version: int | None,
        change: Callable[
            [ScoredPost], tuple[dict[str, Any], AuditEvent, tuple[str, dict[str, Any]] | None]
        ],
    ) -> ScoredPost:
        """Read a post, check it, and write the change only if nobody changed it since.

        `change` checks the post (raising `LifecycleError` or `ConflictError`) and
        returns the fields to update, the audit event, and a side document.
        """
        read, sp = self._read(post_id)
        if expected_version is not None and sp.version != expected_version:
            raise ConflictError(
                f"post {post_id} changed since it was read "
                f"(version {sp.version}, expected {expected_version}); reload it"
            )
        fields, event, side = change(sp)
        fields = {**fields, "version": sp.version + 1, "updated_at": req.iso(utcnow())}
        try:
            self.es.update(
                index=self.aliases["posts"],
                id=post_id,
                doc=fields,
                refresh="wait_for",
                require_alias=True,
                if_seq_no=read["_seq_no"],
                if_primary_term=read["_primary_term"],
            )
        except VersionConflict:
            raise ConflictError(
                f"post {post_id} was changed by someone else meanwhile; reload it"
            ) from None
        if side is not None:
            name, document = side
            self.es.index(
                index=self.aliases[name], document=document, refresh="wait_for", require_alias=True
            )
        self._append_events([event])
        return self._read(post_id)[1]

    @_translated
    def record_verdict(
        self, verdict: Verdict, *, expected_version: int | None = None
    ) -> ScoredPost:
        def change(
            sp: ScoredPost,
        ) -> tuple[dict[str, Any], AuditEvent, tuple[str, dict[str, Any]]]:
            if sp.state not in VERDICT_FROM:
                raise LifecycleError(
                    f"post {sp.post.id} is {sp.state.value}: "
                    "verdicts are closed once a clue is transferred"
                )
            after = VERDICT_STATE[verdict.kind]
            document = {
                **verdict.model_dump(mode="json"),
                "label": sp.scores.label,
                "order": time.time_ns(),
            }
            event = AuditEvent(
                actor=verdict.analyst,
                action=f"verdict.{verdict.kind.value}",
                post_id=verdict.post_id,
                before={"state": sp.state.value},
                after={"state": after.value, "categories": verdict.categories},
                note=verdict.note,
            )
            return {"state": after.value}, event, ("verdicts", document)

        return self._change_state(verdict.post_id, expected_version=expected_version, change=change)

    @_translated
    def verdicts(self, post_id: str) -> list[Verdict]:
        hits = self._search_all(
            "verdicts",
            query={"bool": {"filter": [{"term": {"post_id": post_id}}]}},
            sort=[{"order": {"order": "asc"}}],
        )
        fields = Verdict.model_fields
        return [
            Verdict.model_validate({k: v for k, v in hit["_source"].items() if k in fields})
            for hit in hits
        ]

    @_translated
    def assign(
        self,
        post_id: str,
        assignee: str | None,
        *,
        by: str,
        force: bool = False,
        expected_version: int | None = None,
    ) -> ScoredPost:
        def change(sp: ScoredPost) -> tuple[dict[str, Any], AuditEvent, None]:
            held = sp.assignee
            if held and assignee and held != assignee and not force:
                raise ConflictError(f"post {post_id} is claimed by {held}")
            if held and assignee is None and held != by and not force:
                raise ConflictError(f"post {post_id} is claimed by {held}, not {by}")
            event = AuditEvent(
                actor=by,
                action="assign",
                post_id=post_id,
                before={"assignee": held},
                after={"assignee": assignee},
            )
            return {"assignee": assignee}, event, None

        return self._change_state(post_id, expected_version=expected_version, change=change)

    @_translated
    def add_note(self, post_id: str, author: str, text: str) -> AuditEvent:
        if not text.strip():
            raise ValueError("a note needs text")
        if not self.es.exists(index=self.aliases["posts"], id=post_id):
            raise NotFound(f"no post with id {post_id!r}")
        event = AuditEvent(actor=author, action="note", post_id=post_id, note=text[:10_000])
        return self._append_events([event])[0]

    @_translated
    def mark_transferred(self, post_ids: Sequence[str], export_id: str, *, by: str) -> None:
        unique = list(dict.fromkeys(post_ids))
        docs = self._mget("posts", unique, source_includes=["state", "version", "updated_at"])
        missing = [p for p in unique if p not in docs]
        if missing:
            raise NotFound(f"no posts with ids {', '.join(missing[:10])}")
        states = {p: docs[p]["_source"]["state"] for p in unique}
        wrong = [p for p in unique if states[p] != ClueState.CONFIRMED.value]
        if wrong:
            raise LifecycleError(
                "only confirmed clues can be transferred; not confirmed: "
                + ", ".join(f"{p} ({states[p]})" for p in wrong[:10])
            )
        now = req.iso(utcnow())
        alias = self.aliases["posts"]
        actions = [
            req.state_update_action(
                alias,
                p,
                {
                    "state": ClueState.TRANSFERRED.value,
                    "version": docs[p]["_source"]["version"] + 1,
                    "updated_at": now,
                },
                docs[p],
            )
            for p in unique
        ]
        results = self._bulk(actions)
        failed = [p for p, (ok, _) in zip(unique, results, strict=True) if not ok]
        if failed:
            undo = [
                req.state_update_action(
                    alias,
                    p,
                    {
                        "state": ClueState.CONFIRMED.value,
                        "version": docs[p]["_source"]["version"],
                        "updated_at": docs[p]["_source"]["updated_at"],
                    },
                    req.bulk_item(info)[1],
                )
                for p, (ok, info) in zip(unique, results, strict=True)
                if ok
            ]
            self._bulk(undo)
            raise ConflictError(
                "nothing was transferred: these posts changed meanwhile, reload and try again: "
                + ", ".join(failed[:10])
            )
        self._append_events(
            [
                AuditEvent(
                    actor=by,
                    action="transfer",
                    post_id=p,
                    before={"state": ClueState.CONFIRMED.value},
                    after={"state": ClueState.TRANSFERRED.value, "export_id": export_id},
                )
                for p in unique
            ]
        )

    @_translated
    def record_feedback(self, feedback: Feedback) -> ScoredPost:
        def change(
            sp: ScoredPost,
        ) -> tuple[dict[str, Any], AuditEvent, tuple[str, dict[str, Any]]]:
            if sp.state not in (ClueState.TRANSFERRED, ClueState.FEEDBACK):
                raise LifecycleError(
                    f"post {sp.post.id} is {sp.state.value}: "
                    "police feedback is recorded on transferred clues"
                )
            event = AuditEvent(
                actor=feedback.recorded_by,
                action="feedback",
                post_id=feedback.post_id,
                before={"state": sp.state.value},
                after={
                    "state": ClueState.FEEDBACK.value,
                    "outcome": feedback.outcome.value,
                    "reference": feedback.reference,
                },
                note=feedback.note,
            )
            document = {**feedback.model_dump(mode="json"), "order": time.time_ns()}
            return {"state": ClueState.FEEDBACK.value}, event, ("feedback", document)

        return self._change_state(feedback.post_id, expected_version=None, change=change)

    @_translated
    def feedback(self, post_id: str) -> list[Feedback]:
        hits = self._search_all(
            "feedback",
            query={"bool": {"filter": [{"term": {"post_id": post_id}}]}},
            sort=[{"order": {"order": "asc"}}],
        )
        fields = Feedback.model_fields
        return [
            Feedback.model_validate({k: v for k, v in hit["_source"].items() if k in fields})
            for hit in hits
        ]

    # -- exports and retention -------------------------------------------------------------------

    @_translated
    def save_export(
        self,
        record: ExportRecord,
        *,
        expected_version: int | None = None,
        events: Sequence[AuditEvent] = (),
    ) -> ExportRecord:
        read: dict[str, Any] | None = None
        if expected_version is not None:
            with contextlib.suppress(NotFoundError):
                read = dict(self.es.get(index=self.aliases["exports"], id=record.id))
            stored = read["_source"]["version"] if read else None
            problem = export_conflict(record.id, expected_version, stored)
            if problem:
                raise ConflictError(problem)
            record = record.model_copy(update={"version": expected_version + 1})
        try:
            self.es.index(
                **req.export_write(
                    self.aliases["exports"], record, guarded=expected_version is not None, read=read
                )
            )
        except VersionConflict:
            raise ConflictError(
                f"bundle {record.id} was changed by someone else meanwhile"
            ) from None
        self._append_events(events)
        return record

    @_translated
    def get_export(self, export_id: str) -> ExportRecord:
        try:
            source = self.es.get(index=self.aliases["exports"], id=export_id)["_source"]
        except NotFoundError:
            raise NotFound(f"no export with id {export_id!r}") from None
        return ExportRecord.model_validate(source)

    @_translated
    def exports(self, *, limit: int = 50) -> list[ExportRecord]:
        hits = self.es.search(
            index=self.aliases["exports"],
            sort=[{"created_at": {"order": "desc"}}, {"id": {"order": "asc"}}],
            size=limit,
        )["hits"]["hits"]
        return [ExportRecord.model_validate(hit["_source"]) for hit in hits]

    @_translated
    def purge_dismissed(self, older_than: datetime, *, by: str) -> PurgeResult:
        result = PurgeResult()
        request = req.purge_search(older_than)
        query, sort, size = request.pop("query"), request.pop("sort"), request.pop("size")
        found = list(self._search_all("posts", query=query, sort=sort, size=size, **request))
        if not found:
            return result
        alias = self.aliases["posts"]
        actions = [req.delete_action(alias, hit["_id"], hit) for hit in found]
        raw_hashes: set[str] = set()
        for hit, (ok, info) in zip(found, self._bulk(actions), strict=True):
            if ok:
                result.post_ids.append(hit["_id"])
                raw_hash = hit["_source"]["post"].get("raw_hash")
                if raw_hash:
                    raw_hashes.add(raw_hash)
            else:
                logger.warning("%s not purged: %s", hit["_id"], req.bulk_item_reason(info))
        if not result.post_ids:
            return result
        for name in ("history", "verdicts"):
            for chunk in _chunks(result.post_ids, 1000):
                self.es.delete_by_query(
                    index=self.aliases[name],
                    query={"terms": {"post_id": list(chunk)}},
                    conflicts="proceed",
                    refresh=True,
                )
        still_used: set[str] = set()
        hashes = sorted(raw_hashes)
        for chunk in _chunks(hashes, 1000):
            response = self.es.search(index=alias, **req.raw_hash_request(chunk))
            still_used.update(b["key"] for b in response["aggregations"]["hashes"]["buckets"])
        result.orphaned_raw_hashes = [h for h in hashes if h not in still_used]
        self._append_events(
            [
                AuditEvent(
                    actor=by,
                    action="purge",
                    before={"state": ClueState.DISMISSED.value, "older_than": req.iso(older_than)},
                    after={"posts": result.post_ids, "evidence": result.orphaned_raw_hashes},
                )
            ]
        )
        return result

    # -- audit ------------------------------------------------------------------------------------

    def _audit_head(self) -> tuple[int, str, dict[str, Any] | None]:
        """Last seq and hash of the chain, and the head document as read (None if absent)."""
        try:
            doc = self.es.get(index=self.aliases["meta"], id=req.AUDIT_HEAD_ID).body
        except NotFoundError:
            hits = self.es.search(
                index=self.aliases["audit"], sort=[{"seq": {"order": "desc"}}], size=1
            )["hits"]["hits"]
            if not hits:
                return 0, "", None
            return int(hits[0]["_source"]["seq"]), hits[0]["_source"]["hash"], None
        return int(doc["_source"]["audit_seq"]), doc["_source"]["audit_hash"], doc

    def _append_events(self, events: Sequence[AuditEvent]) -> list[AuditEvent]:
        """Reserve seqs by advancing the head conditionally, then create the events."""
        if not events:
            return []
        meta = self.aliases["meta"]
        for attempt in range(AUDIT_ATTEMPTS):
            seq, prev_hash, read = self._audit_head()
            chained = req.chain(events, seq, prev_hash)
            head = req.audit_head(chained[-1].seq, chained[-1].hash, utcnow())
            try:
                if read is None:
                    self.es.create(
                        index=meta, id=req.AUDIT_HEAD_ID, document=head, require_alias=True
                    )
                else:
                    self.es.index(
                        index=meta,
                        id=req.AUDIT_HEAD_ID,
                        document=head,
                        require_alias=True,
                        if_seq_no=read["_seq_no"],
                        if_primary_term=read["_primary_term"],
                    )
            except VersionConflict:
                time.sleep(min(0.5, 0.005 * 2**attempt) * random.random())
                continue
            actions = [req.audit_action(self.aliases["audit"], event) for event in chained]
            failed = [req.bulk_item_reason(info) for ok, info in self._bulk(actions) if not ok]
            if failed:
                raise StoreError(
                    f"audit events {chained[0].seq}-{chained[-1].seq} were not all written "
                    f"({failed[0]}); run the audit chain check"
                )
            return chained
        raise ConflictError("the audit chain is busy: too many concurrent writers; retry")

    @_translated
    def append_audit(self, event: AuditEvent) -> AuditEvent:
        return self._append_events([event])[0]

    @_translated
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
        hits = self.es.search(
            index=self.aliases["audit"],
            query=req.audit_query(
                post_id, actor, action, since=since, until=until, before_seq=before_seq
            ),
            sort=[{"seq": {"order": "desc"}}],
            size=limit,
        )["hits"]["hits"]
        return [AuditEvent.model_validate(hit["_source"]) for hit in hits]

    @_translated
    def verify_audit_chain(self) -> list[str]:
        check = req.ChainCheck()
        page: list[AuditEvent] = []
        for hit in self._search_all(
            "audit", query={"match_all": {}}, sort=[{"seq": {"order": "asc"}}]
        ):
            page.append(AuditEvent.model_validate(hit["_source"]))
            if len(page) >= 1000:
                check.feed(page)
                page = []
        check.feed(page)
        try:
            head = self.es.get(index=self.aliases["meta"], id=req.AUDIT_HEAD_ID)["_source"]
        except NotFoundError:
            head = None
        return check.finish(head)

    # -- crawl runs ------------------------------------------------------------------------------

    @_translated
    def save_crawl_run(self, run: CrawlRun) -> None:
        self.es.index(
            index=self.aliases["crawl_runs"],
            id=run.id,
            document=run.model_dump(mode="json"),
            refresh="wait_for",
            require_alias=True,
        )

    @_translated
    def crawl_runs(self, *, site: str | None = None, limit: int = 50) -> list[CrawlRun]:
        filters = [{"term": {"site": site}}] if site is not None else []
        hits = self.es.search(
            index=self.aliases["crawl_runs"],
            query={"bool": {"filter": filters}},
            sort=[{"started_at": {"order": "desc"}}, {"id": {"order": "asc"}}],
            size=limit,
        )["hits"]["hits"]
        return [CrawlRun.model_validate(hit["_source"]) for hit in hits]

    # -- users and sessions -----------------------------------------------------------------------

    @staticmethod
    def _user_document(user: User) -> dict[str, Any]:
        return {
            "username": user.username,
            "role": user.role,
            "password_hash": user.password_hash,
            "disabled": user.disabled,
        }

    @_translated
    def add_user(self, user: User) -> None:
        try:
            self.es.create(
                index=self.aliases["users"],
                id=user.username,
                document=self._user_document(user),
                refresh="wait_for",
                require_alias=True,
            )
        except VersionConflict:
            raise ConflictError(f"user {user.username!r} already exists") from None

    @_translated
    def get_user(self, username: str) -> User | None:
        try:
            source = self.es.get(index=self.aliases["users"], id=username)["_source"]
        except NotFoundError:
            return None
        return User(source["username"], source["role"], source["password_hash"], source["disabled"])

    @_translated
    def users(self) -> list[User]:
        hits = self._search_all(
            "users", query={"match_all": {}}, sort=[{"username": {"order": "asc"}}]
        )
        return [
            User(s["username"], s["role"], s["password_hash"], s["disabled"])
            for s in (hit["_source"] for hit in hits)
        ]

    @_translated
    def update_user(self, user: User) -> None:
        try:
            self.es.update(
                index=self.aliases["users"],
                id=user.username,
                doc=self._user_document(user),
                refresh="wait_for",
                require_alias=True,
            )
        except NotFoundError:
            raise NotFound(f"no user {user.username!r}") from None
        if user.disabled:
            self.es.delete_by_query(
                index=self.aliases["sessions"],
                query={"term": {"username": user.username}},
                conflicts="proceed",
                refresh=True,
            )

    @_translated
    def create_session(
        self, session_id: str, username: str, csrf: str, expires_at: datetime
    ) -> None:
        try:
            self.es.create(
                index=self.aliases["sessions"],
                id=session_id,
                document={"username": username, "csrf": csrf, "expires_at": req.iso(expires_at)},
                refresh="wait_for",
                require_alias=True,
            )
        except VersionConflict:
            raise ConflictError("session id already in use") from None

    @_translated
    def get_session(self, session_id: str) -> tuple[str, str, datetime] | None:
        try:
            source = self.es.get(index=self.aliases["sessions"], id=session_id)["_source"]
        except NotFoundError:
            return None
        return source["username"], source["csrf"], datetime.fromisoformat(source["expires_at"])

    @_translated
    def delete_session(self, session_id: str) -> None:
        self.es.options(ignore_status=404).delete(
            index=self.aliases["sessions"], id=session_id, refresh="wait_for"
        )
