"""Batching for pipeline stages: pages wait (briefly) to be handled many at a time.

A stage gathers pages until `size` posts are waiting or `max_wait` seconds
have passed since the first, then handles them in one call; one batch runs
at a time, and pages that arrive meanwhile form the next batch, so batches
grow when the stage is the bottleneck and stay small when it is not. Each
page's `process_item` returns when its batch is done, which is what lets
the frontier mark a request done only after its posts are stored.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from crawler.items import CapturedPage

T = TypeVar("T")


class OneThread:
    """Calls made one at a time in one dedicated thread, awaited from the crawl's loop.

    Scoring, evidence files and store writes run here so that downloads and
    parsing go on meanwhile (the model and SQLite release the GIL while they
    work). Always the same thread: a SQLite store keeps one connection per
    thread, and the model's buffers stay in one malloc arena.
    """

    def __init__(self, name: str) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"cluewatch-{name}")

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class BatchStage(ABC):
    def __init__(self, *, size: int, max_wait: float) -> None:
        self.size = max(1, size)
        self.max_wait = max_wait
        self._pending: list[tuple[CapturedPage, asyncio.Future[None]]] = []
        self._waiting_posts = 0
        self._timer: asyncio.TimerHandle | None = None
        self._drain: asyncio.Task[None] | None = None

    def wants(self, page: CapturedPage) -> bool:
        """Whether the page has anything for this stage (others pass straight through)."""
        return bool(page.posts)

    @abstractmethod
    async def handle(self, pages: Sequence[CapturedPage]) -> None:
        """Handle one batch; each page's `process_item` returns when this does."""

    async def process_item(self, page: CapturedPage) -> CapturedPage:
        if not self.wants(page):
            return page
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((page, done))
        self._waiting_posts += len(page.posts)
        if self._waiting_posts >= self.size:
            self._start()
        elif self._timer is None and (self._drain is None or self._drain.done()):
            self._timer = loop.call_later(self.max_wait, self._start)
        await done
        return page

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._drain is None or self._drain.done():
            self._drain = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            self._waiting_posts = 0
            try:
                await self.handle([page for page, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def close_spider(self) -> None:
        """Handle whatever is still waiting."""
        self._start()
        if self._drain is not None:
            await self._drain
