"""Downloader middlewares: retries with backoff that honour Retry-After, and giving
up on a host that cannot be reached.

Scrapy's retry middleware sends a failed request again at once. Here a
retry waits: `Retry-After` when the site says how long (429, 503), pausing
the whole domain that long and slowing it to at least that delay after
(AutoThrottle may speed it up again), otherwise an exponential backoff
(`RETRY_BACKOFF_BASE` × 2^attempt, at most `RETRY_BACKOFF_MAX`). A
Retry-After longer than `RETRY_AFTER_MAX` is not waited for: the request
fails and is counted, and the next crawl tries again.

`UnreachableHostMiddleware` counts connection failures per host (refused,
no route, connect timed out, name not resolved), every attempt including
retries. After `CLUEWATCH_UNREACHABLE_AFTER` of them in a row with no
response from the host in between, it closes the spider with the reason
`unreachable` instead of trying every queued URL of a host that is down
(four tries each): the run is recorded failed, and what is left in the
frontier is resumed by the next crawl.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    NotConfigured,
)
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet import error as twisted_error
from twisted.internet.defer import Deferred

from crawler.runs import CONNECT_FAILED, UNREACHABLE

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)

    def backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 0))
        return float(min(self.backoff_max, self.backoff_base * (2**attempt)))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        assert stats is not None
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None:
            stats.inc_value("cluewatch/retry_after")
            if wait > self.retry_after_max:
                stats.inc_value("cluewatch/retry_after_too_long")
                return response
            self._slow_domain(request, wait)
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(wait if wait is not None else self.backoff(request))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get(
            "dont_retry", False
        ):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await asyncio.sleep(self.backoff(request))
        return retry

    def _slow_domain(self, request: Request, wait: float) -> None:
        """Send nothing more to the domain for `wait` seconds, then at least `wait` apart.

        The slot's delay alone is not a pause: Scrapy measures it from the last
        request sent and jitters it by ±50%. A slot sends its next request only
        once its delay has passed since `lastseen`, so `lastseen` moved to the end
        of the pause holds every queued request until then.
        """
        engine = self.crawler.engine
        if engine is None:
            return
        downloader = engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None:
            return
        slot.delay = max(slot.delay, wait)
        slot.lastseen = max(slot.lastseen, time.monotonic() + wait)


def connect_failure(exception: BaseException) -> str | None:
    """What kept a request from reaching its host, for people (``connection refused``),
    or None when the host was reached (or the failure says nothing about it)."""
    if isinstance(exception, DownloadConnectionRefusedError | twisted_error.ConnectionRefusedError):
        return "connection refused"
    if isinstance(
        exception,
        CannotResolveHostError | twisted_error.DNSLookupError | twisted_error.UnknownHostError,
    ):
        return "name not resolved"
    if isinstance(exception, twisted_error.NoRouteError):
        return "no route to host"
    if isinstance(exception, twisted_error.TCPTimedOutError):
        return "connect timed out"
    if isinstance(exception, twisted_error.TimeoutError):
        # A ConnectError to Twisted, but also what a slow answer ends in.
        return None
    if isinstance(exception, twisted_error.ConnectError):
        return "cannot connect"
    return None


class UnreachableHostMiddleware:
    """Closes the spider (`unreachable`) once a host failed to connect
    `CLUEWATCH_UNREACHABLE_AFTER` times in a row; 0 switches it off.

    Placed nearer the downloader than the retry middleware, so that it sees
    every attempt; a response of any status from the host resets its count.
    """

    def __init__(self, crawler: Crawler, *, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit
        self.in_a_row: dict[str, int] = {}
        self.closing: Deferred[None] | None = None  # the close under way, kept until done

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreachableHostMiddleware:
        limit = crawler.settings.getint("CLUEWATCH_UNREACHABLE_AFTER", 0)
        if limit <= 0:
            raise NotConfigured
        return cls(crawler, limit=limit)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        self.in_a_row.pop(urlparse_cached(request).netloc, None)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        kind = connect_failure(exception)
        if kind is None:
            return None
        host = urlparse_cached(request).netloc
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"{CONNECT_FAILED}{host}/{kind}")
        count = self.in_a_row[host] = self.in_a_row.get(host, 0) + 1
        if self.closing is not None:
            # The spider is closing: no more tries, so it closes without waiting for them.
            request.meta["dont_retry"] = True
        elif count >= self.limit:
            request.meta["dont_retry"] = True
            logger.error(
                "%s: giving up on %s: %s %d times in a row; the crawl stops (%s)",
                self.crawler.spider.name if self.crawler.spider else "crawl",
                host,
                kind,
                count,
                UNREACHABLE,
            )
            engine = self.crawler.engine
            assert engine is not None
            # Not awaited: closing waits for the downloads in progress, this one included.
            self.closing = deferred_from_coro(engine.close_spider_async(reason=UNREACHABLE))
        return None
