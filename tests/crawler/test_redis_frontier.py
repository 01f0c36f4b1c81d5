"""The Redis frontier's leases, against a real redis-server.

No crawl runs here: each test drives `RedisFrontier` the way Scrapy's engine
does (open, enqueue, next_request, idle, close) and reads Redis directly.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator

import pytest
import redis
from scrapy import Request, Spider
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.test import get_crawler

from crawler import settings as crawl_settings
from crawler.frontier import RedisFrontier, crawl_in_progress, redis_key

SITE = "frontier-test"


class _Site(Spider):
    name = SITE


def _settings(redis_url: str, ttl: int) -> dict[str, object]:
    names = [n for n in dir(crawl_settings) if n.isupper()]
    base = {n: getattr(crawl_settings, n) for n in names}
    base.update(
        {
            "REDIS_URL": redis_url,
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "CLUEWATCH_REDIS_LEASE_TTL": ttl,
        }
    )
    return base


@pytest.fixture
def server(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def open_frontier(redis_url: str, server: redis.Redis) -> Iterator[object]:
    opened: list[RedisFrontier] = []

    def start(ttl: int = 30) -> RedisFrontier:
        crawler = get_crawler(_Site, _settings(redis_url, ttl))
        spider = _Site.from_crawler(crawler)
        crawler.spider = spider
        frontier = RedisFrontier.from_crawler(crawler)
        frontier.open(spider)
        opened.append(frontier)
        return frontier

    yield start
    for frontier in opened:
        if not frontier._stop_beating.is_set():  # not closed (or stopped) by the test
            frontier.close("finished")


def test_a_taken_request_is_leased_and_done_forgets_it(
    open_frontier: object, server: redis.Redis
) -> None:
    frontier = open_frontier()  # type: ignore[operator]
    assert frontier.enqueue_request(Request("http://sandbox.test/a"))
    request = frontier.next_request()
    assert request is not None and request.url == "http://sandbox.test/a"
    leases = server.hgetall(redis_key(SITE, "leases"))
    assert list(leases) == [request.meta["cw_fp"].encode()]
    assert pickle.loads(next(iter(leases.values())))[0] == frontier.worker
    assert not server.hlen(redis_key(SITE, "taking"))
    assert frontier.next_request() is None
    assert crawl_in_progress(server, SITE)
    frontier.done(request.meta["cw_fp"])
    assert not crawl_in_progress(server, SITE)


def test_a_request_between_queue_and_lease_keeps_every_process_open(
    open_frontier: object, server: redis.Redis
) -> None:
    first = open_frontier()  # type: ignore[operator]
    second = open_frontier()  # type: ignore[operator]
    first.enqueue_request(Request("http://sandbox.test/a"))
    # The first process has popped the request and not yet written its lease.
    queue = first.scheduler.queue
    assert first._take(keys=[queue.key, redis_key(SITE, "taking")], args=[first.worker])
    assert not len(queue) and not server.hlen(redis_key(SITE, "leases"))
    assert crawl_in_progress(server, SITE)
    with pytest.raises(DontCloseSpider):
        second._idle(second.spider)


def test_a_stopped_process_s_leases_and_half_taken_requests_go_back_to_the_queue(
    open_frontier: object, server: redis.Redis
) -> None:
    first = open_frontier()  # type: ignore[operator]
    first.enqueue_request(Request("http://sandbox.test/leased"))
    first.enqueue_request(Request("http://sandbox.test/half-taken"))
    leased = first.next_request()
    queue = first.scheduler.queue
    first._take(keys=[queue.key, redis_key(SITE, "taking")], args=[first.worker])
    # The first process dies: its heart-beat stops and its key expires.
    first._stop_beating.set()
    first._beating.join()
    server.delete(redis_key(SITE, f"worker:{first.worker}"))

    second = open_frontier()  # type: ignore[operator]
    assert second.crawler.stats.get_value("cluewatch/frontier_reclaimed") == 2
    urls = set()
    while (request := second.next_request()) is not None:
        urls.add(request.url)
    assert leased is not None
    assert urls == {leased.url, "http://sandbox.test/half-taken"}
    assert not server.hlen(redis_key(SITE, "taking"))


def test_the_heart_beat_goes_on_while_the_engine_does_not_call(
    open_frontier: object, server: redis.Redis
) -> None:
    # Every download slot busy for longer than the lease: Scrapy's engine does not
    # call the scheduler at all, and the process must not look dead meanwhile.
    frontier = open_frontier(ttl=3)  # type: ignore[operator]
    key = redis_key(SITE, f"worker:{frontier.worker}")
    deadline = time.monotonic() + 7
    while time.monotonic() < deadline:
        assert server.exists(key)
        time.sleep(0.25)
    frontier.close("finished")
    assert not server.exists(key)


def test_a_queued_request_that_cannot_be_read_is_dropped_not_kept_for_ever(
    open_frontier: object, server: redis.Redis
) -> None:
    frontier = open_frontier()  # type: ignore[operator]
    frontier.enqueue_request(Request("http://sandbox.test/readable", priority=-1))
    # Written by some other version of the crawler: not a pickle of a request dict.
    server.zadd(frontier.scheduler.queue.key, {b"\x80\x05not a request": -10})
    request = frontier.next_request()
    assert request is not None and request.url == "http://sandbox.test/readable"
    assert frontier.crawler.stats.get_value("cluewatch/frontier_unreadable") == 1
    assert not server.hlen(redis_key(SITE, "taking"))
    frontier.done(request.meta["cw_fp"])
    assert not crawl_in_progress(server, SITE)
