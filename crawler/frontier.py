"""Crawl frontiers that survive kill -9: a request is done only when its page is stored.

Scrapy's own job directory loses the requests that were being downloaded or
whose posts were still buffered when the process dies, and its queue files
are only consistent after a clean stop. Both frontiers here keep every
request until the pipelines report its page handled (the page's posts
written, or the request ended in an error or a refusal); a request that was
taken but never reported is handed out again on the next start. Posts are
keyed by site and URL and written idempotently, so a page fetched twice is
stored once.

* `SqliteFrontier` (default): one SQLite file per site under the data
  directory's `frontier/`; a crawl that finished starts afresh next time, one
  that was interrupted resumes.
* `RedisFrontier` (`CLUEWATCH_REDIS_URL`): scrapy-redis' shared priority
  queue and dupefilter, so several crawler processes on several machines
  share one crawl; each process leases the requests it took, and the leases
  of a process that stops heart-beating go back to the queue. A request moves
  from the queue to its lease atomically (a Lua script, then one MULTI), and
  whether any work is left is read in one MULTI, so no process can see a
  crawl as finished while another holds a request between queue and lease.
  Each process heart-beats from a thread of its own, so downloads that hold
  every slot, or a long scoring batch, do not make it look dead.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.utils.request import request_from_dict

from crawler.items import CapturedPage
from crawler.settings import SCHEDULER_QUEUE_KEY
from crawler.spiders.config_spider import request_done

logger = logging.getLogger(__name__)

QUEUED, TAKEN, DONE = 0, 1, 2


def request_dict(request: Request, spider: Spider | None) -> dict[str, Any]:
    """`request.to_dict(spider=spider)`, without its search of the spider's members.

    Scrapy names a callback by listing every method of the spider
    (`inspect.getmembers`) for each request; a bound method of the spider
    names itself. A request whose callbacks are anything else goes through
    Scrapy's own search.
    """
    callback, errback = (
        _method_name(request.callback, spider),
        _method_name(request.errback, spider),
    )
    if callback is _UNNAMED or errback is _UNNAMED or type(request) is not Request:
        return request.to_dict(spider=spider)
    data: dict[str, Any] = {
        "url": request.url,
        "callback": callback,
        "errback": errback,
        "headers": dict(request.headers),
    }
    for attr in request.attributes:
        data.setdefault(attr, getattr(request, attr))
    return data


_UNNAMED = object()


def _method_name(method: Any, spider: Spider | None) -> Any:
    """The spider's name for `method` (None stays None), or _UNNAMED."""
    if method is None:
        return None
    func = getattr(method, "__func__", None)
    if func is None or spider is None or getattr(method, "__self__", None) is not spider:
        return _UNNAMED
    found = getattr(spider, func.__name__, None)
    return func.__name__ if getattr(found, "__func__", None) is func else _UNNAMED


class _Acknowledging:
    """Marks requests done from the pipeline and spider signals."""

    crawler: Crawler

    def _connect(self) -> None:
        connect = self.crawler.signals.connect
        connect(self._item_done, signal=signals.item_scraped)
        connect(self._item_done, signal=signals.item_dropped)
        connect(self._request_done, signal=request_done)
        connect(self._spider_error, signal=signals.spider_error)

    def _item_done(self, item: Any, **kwargs: Any) -> None:
        if isinstance(item, CapturedPage) and item.request_fp:
            self.done(item.request_fp)

    def _request_done(self, request: Request, **kwargs: Any) -> None:
        fp = request.meta.get("cw_fp")
        if fp:
            self.done(fp)

    def _spider_error(self, failure: Any, response: Response, **kwargs: Any) -> None:
        # The callback failed on this page: fetching it again would fail again.
        if response.request is not None:
            self._request_done(response.request)

    def fingerprint(self, request: Request) -> str:
        return self.crawler.request_fingerprinter.fingerprint(request).hex()

    def done(self, fp: str) -> None:
        """Forget the request with fingerprint `fp`: its page is stored (each frontier's own)."""
        raise NotImplementedError


class SqliteFrontier(_Acknowledging, BaseScheduler):
    # Statements go into transactions of up to TRANSACTION_CHANGES statements or
    # TRANSACTION_SECONDS, not one commit each. A kill loses at most the last
    # transaction, and always a suffix of the work: requests it took or finished
    # are fetched again on resume (posts are written idempotently), and a
    # request it queued is lost only together with the mark that its parent
    # page was done, so the parent is fetched again and queues it again.
    TAKE = 32
    TRANSACTION_CHANGES = 1000
    TRANSACTION_SECONDS = 0.5

    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.crawler = crawler
        self.directory = directory
        self.stats = crawler.stats
        self.conn: sqlite3.Connection | None = None
        self.spider: Spider | None = None
        self.queued = 0
        self.seq = 0
        # Requests taken from the file in one go and not yet handed to the engine.
        self.taken: deque[tuple[str, bytes]] = deque()
        self.changes = 0  # statements in the open transaction
        self.began = 0.0  # when it began (monotonic), or 0.0 for none

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SqliteFrontier:
        frontier = cls(crawler, Path(crawler.settings.get("CLUEWATCH_FRONTIER_DIR")))
        frontier._connect()
        return frontier

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.directory.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.directory / f"{spider.name}.sqlite", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        # A commit reaches the operating system before the call returns: safe when the
        # process is killed (the case here), not against power loss, which costs an fsync.
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS requests(
                fp TEXT PRIMARY KEY, seq INTEGER NOT NULL, priority INTEGER NOT NULL,
                state INTEGER NOT NULL, data BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS requests_queued
                ON requests(priority DESC, seq) WHERE state = 0;
            """
        )
        left = self.conn.execute(
            "SELECT COUNT(*) FROM requests WHERE state IN (?, ?)", (QUEUED, TAKEN)
        ).fetchone()[0]
        if left:
            retaken = self.conn.execute(
                "UPDATE requests SET state = ? WHERE state = ?", (QUEUED, TAKEN)
            ).rowcount
            logger.warning(
                "%s: resuming an interrupted crawl: %d requests left (%d were taken "
                "but not finished and are fetched again)",
                spider.name,
                left,
                retaken,
            )
            self.stats.set_value("cluewatch/frontier_resumed", left)
        else:
            self.conn.execute("DELETE FROM requests")
        self.queued = left
        self.seq = self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM requests").fetchone()[0]

    def close(self, reason: str) -> None:
        if self.conn is None:
            return
        if reason == "finished":
            self._change("DELETE FROM requests")
        self._commit()
        self.conn.close()
        self.conn = None

    def has_pending_requests(self) -> bool:
        # The engine asks this every few seconds even when nothing else happens, so
        # a quiet crawl's last changes do not wait for the next one to be committed.
        if self.began and time.monotonic() - self.began >= self.TRANSACTION_SECONDS:
            self._commit()
        return self.queued > 0

    def __len__(self) -> int:
        return self.queued

    def enqueue_request(self, request: Request) -> bool:
        fp = self.fingerprint(request)
        parent = request.meta.get("cw_fp")
        request.meta["cw_fp"] = fp
        self.seq += 1
        data = pickle.dumps(request_dict(request, self.spider), protocol=5)
        if request.dont_filter:
            added = self._change(
                "INSERT INTO requests(fp, seq, priority, state, data) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(fp) DO UPDATE SET state = excluded.state, data = excluded.data, "
                "seq = excluded.seq, priority = excluded.priority WHERE state != 0",
                (fp, self.seq, request.priority, QUEUED, data),
            )
        else:
            added = self._change(
                "INSERT OR IGNORE INTO requests(fp, seq, priority, state, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (fp, self.seq, request.priority, QUEUED, data),
            )
        if parent and parent != fp:
            # A redirect: the new request carries on for the one it replaces.
            self.done(parent)
        if not added:
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.queued += 1
        self.stats.inc_value("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        if self.queued <= 0:
            return None
        if not self.taken and not self._take():
            self.queued = 0
            return None
        _, data = self.taken.popleft()
        self.queued -= 1
        self.stats.inc_value("scheduler/dequeued")
        return request_from_dict(pickle.loads(data), spider=self.spider)

    def done(self, fp: str) -> None:
        if self.conn is not None:
            self._change("UPDATE requests SET state = ? WHERE fp = ?", (DONE, fp))

    def _take(self) -> bool:
        """Move the next TAKE queued requests, best priority first, into `taken`."""
        assert self.conn is not None
        rows = self.conn.execute(
            "SELECT fp, data FROM requests WHERE state = 0 ORDER BY priority DESC, seq LIMIT ?",
            (self.TAKE,),
        ).fetchall()
        if rows:
            self._begin()
            self.conn.executemany(
                "UPDATE requests SET state = ? WHERE fp = ?", [(TAKEN, fp) for fp, _ in rows]
            )
            self._counted(len(rows))
        self.taken.extend(rows)
        return bool(rows)

    def _change(self, sql: str, args: tuple[Any, ...] = ()) -> bool:
        """Run one changing statement in the open transaction; whether it changed a row."""
        assert self.conn is not None
        self._begin()
        changed = self.conn.execute(sql, args).rowcount > 0
        self._counted(1)
        return changed

    def _begin(self) -> None:
        assert self.conn is not None
        if not self.began:
            self.conn.execute("BEGIN")
            self.began = time.monotonic()

    def _counted(self, statements: int) -> None:
        self.changes += statements
        if (
            self.changes >= self.TRANSACTION_CHANGES
            or time.monotonic() - self.began >= self.TRANSACTION_SECONDS
        ):
            self._commit()

    def _commit(self) -> None:
        if self.began and self.conn is not None:
            self.conn.execute("COMMIT")
        self.began, self.changes = 0.0, 0


def redis_key(site: str, name: str) -> str:
    """A Redis key of the frontier's own for `site` (leases, heart-beats, the opening lock)."""
    return f"cluewatch:{site}:{name}"


def crawl_in_progress(server: Any, site: str) -> bool:
    """Whether the shared Redis queue of `site` has requests queued or taken, read
    in one transaction (a request moving from the queue to its lease is seen once)."""
    pipe = server.pipeline(transaction=True)
    pipe.zcard(SCHEDULER_QUEUE_KEY % {"spider": site})
    pipe.hlen(redis_key(site, "taking"))
    pipe.hlen(redis_key(site, "leases"))
    return any(pipe.execute())


# Pop the first request of the priority queue and park it under this worker in
# `taking`, in one step: between queue and lease a request is always somewhere.
_TAKE = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if #first == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], first[1])
return first[1]
"""


class RedisFrontier(_Acknowledging):
    """scrapy-redis' shared queue and dupefilter, with per-process leases."""

    def __init__(self, crawler: Crawler, scheduler: Any) -> None:
        self.crawler = crawler
        self.scheduler = scheduler
        # A process that has not heart-beaten for this long is taken for dead.
        self.lease_ttl = max(2, crawler.settings.getint("CLUEWATCH_REDIS_LEASE_TTL", 30))
        self.heartbeat = self.lease_ttl / 3
        # `cluewatch crawl --join`: help with a crawl in progress, never start one.
        self.join_only = crawler.settings.getbool("CLUEWATCH_JOIN_ONLY")
        self.nothing_to_join = False
        self.worker = uuid.uuid4().hex[:12]
        self.spider: Spider | None = None
        self._take: Any = None
        self._stop_beating = threading.Event()
        self._beating: threading.Thread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisFrontier:
        from scrapy_redis.scheduler import Scheduler

        frontier = cls(crawler, Scheduler.from_crawler(crawler))
        frontier._connect()
        return frontier

    @property
    def server(self) -> Any:
        return self.scheduler.server

    def _key(self, name: str) -> str:
        assert self.spider is not None
        return redis_key(self.spider.name, name)

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.scheduler.open(spider)
        self._take = self.server.register_script(_TAKE)
        self._beat()
        self._beating = threading.Thread(
            target=self._beat_until_closed, name=f"heartbeat-{spider.name}", daemon=True
        )
        self._beating.start()
        self.crawler.signals.connect(self._idle, signal=signals.spider_idle)
        with self.server.lock(self._key("opening"), timeout=30, blocking_timeout=30):
            self._reclaim()
            if not crawl_in_progress(self.server, spider.name):
                if self.join_only:
                    # Nothing to join: take no requests, so the spider closes at once.
                    logger.warning("%s: no crawl in progress to join", spider.name)
                    self.nothing_to_join = True
                else:
                    # Nothing queued and nobody working: the last crawl finished, start afresh.
                    self.scheduler.df.clear()
            else:
                logger.warning(
                    "%s: joining a crawl in progress (%d requests queued)",
                    spider.name,
                    len(self.scheduler.queue),
                )

    def close(self, reason: str) -> None:
        self._stop_beating.set()
        if self._beating is not None:
            self._beating.join()
        self.server.delete(self._key(f"worker:{self.worker}"))
        self.scheduler.close(reason)

    def has_pending_requests(self) -> bool:
        return bool(self.scheduler.has_pending_requests())

    def __len__(self) -> int:
        return len(self.scheduler)

    def enqueue_request(self, request: Request) -> bool:
        if self.nothing_to_join:
            return False
        fp = self.fingerprint(request)
        parent = request.meta.get("cw_fp")
        request.meta["cw_fp"] = fp
        added = bool(self.scheduler.enqueue_request(request))
        if parent and parent != fp:
            self.done(parent)
        return added

    def next_request(self) -> Request | None:
        queue = self.scheduler.queue
        while True:
            encoded = self._take(keys=[queue.key, self._key("taking")], args=[self.worker])
            if encoded is None:
                return None
            request = self._decoded(encoded)
            if request is not None:
                break
            # Not a request this code can read (written by another version?): dropped,
            # or it would hold the crawl open for ever.
            self.server.hdel(self._key("taking"), self.worker)
        fp = request.meta.get("cw_fp") or self.fingerprint(request)
        pipe = self.server.pipeline(transaction=True)
        pipe.hset(self._key("leases"), fp, pickle.dumps((self.worker, encoded)))
        pipe.hdel(self._key("taking"), self.worker)
        pipe.execute()
        self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return request

    def done(self, fp: str) -> None:
        if self.spider is not None:
            self.server.hdel(self._key("leases"), fp)

    # -- leases -----------------------------------------------------------------

    def _beat(self) -> None:
        self.server.set(self._key(f"worker:{self.worker}"), "1", ex=self.lease_ttl)

    def _beat_until_closed(self) -> None:
        """Heart-beat on a thread of its own: the engine calls the scheduler only when
        a download slot is free, and downloads slower than the lease would stop it."""
        while not self._stop_beating.wait(self.heartbeat):
            try:
                self._beat()
            except Exception as exc:  # Redis away for a moment: try again next beat
                logger.warning("%s: heart-beat failed: %s", self.spider, exc)

    def _decoded(self, encoded: bytes) -> Request | None:
        try:
            return self.scheduler.queue._decode_request(encoded)
        except Exception as exc:
            logger.error(
                "%s: dropped a queued request that cannot be read (%s: %s)",
                self.spider,
                type(exc).__name__,
                exc,
            )
            self.crawler.stats.inc_value("cluewatch/frontier_unreadable")
            return None

    def _alive(self, worker: str) -> bool:
        return worker == self.worker or bool(self.server.exists(self._key(f"worker:{worker}")))

    def _reclaim(self) -> int:
        """Requeue the leases (and requests half-taken) of processes that stopped
        heart-beating."""
        reclaimed = 0
        for fp, lease in self.server.hgetall(self._key("leases")).items():
            worker, encoded = pickle.loads(lease)
            if not self._alive(worker) and self.server.hdel(self._key("leases"), fp):
                reclaimed += self._requeue(encoded)
        for worker, encoded in self.server.hgetall(self._key("taking")).items():
            worker = worker.decode() if isinstance(worker, bytes) else worker
            if not self._alive(worker) and self.server.hdel(self._key("taking"), worker):
                reclaimed += self._requeue(encoded)
        if reclaimed:
            logger.warning(
                "%s: %d requests of a stopped crawler taken over", self.spider, reclaimed
            )
            self.crawler.stats.inc_value("cluewatch/frontier_reclaimed", reclaimed)
        return reclaimed

    def _requeue(self, encoded: bytes) -> int:
        request = self._decoded(encoded)
        if request is None:
            return 0
        self.scheduler.queue.push(request)
        return 1

    def _idle(self, spider: Spider) -> None:
        """Stay open while other processes still work on the crawl: their pages may
        lead to more requests, and a stopped one's leases come back to the queue."""
        self._reclaim()
        if crawl_in_progress(self.server, spider.name):
            raise DontCloseSpider
