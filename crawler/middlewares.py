"""Downloader middlewares: retries with backoff that honour Retry-After.

Scrapy's retry middleware sends a failed request again at once. Here a
retry waits: `Retry-After` when the site says how long (429, 503), pausing
the whole domain that long and slowing it to at least that delay after
(AutoThrottle may speed it up again), otherwise an exponential backoff
(`RETRY_BACKOFF_BASE` × 2^attempt, at most `RETRY_BACKOFF_MAX`). A
Retry-After longer than `RETRY_AFTER_MAX` is not waited for: the request
fails and is counted, and the next crawl tries again.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message


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
