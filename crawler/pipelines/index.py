"""Stage 5: bulk writes to the store, and the crawl run record.

Pages are written `CLUEWATCH_WRITE_BATCH` posts at a time (sooner when the
crawl is slow, see `BatchStage`); a page is done only once its posts are
written. Every run is recorded with its pages, errors by kind, new,
changed and flagged posts, and its status once the spider has closed:
`failed` with the reason when it did not finish or fetched nothing
(`crawler.runs.run_outcome`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.items import CapturedPage
from crawler.pipelines.batch import BatchStage, OneThread
from crawler.pipelines.store import open_store
from crawler.runs import connect_failures, run_outcome
from index.models import CrawlRun, utcnow


class IndexPipeline(BatchStage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(
            size=crawler.settings.getint("CLUEWATCH_WRITE_BATCH", 200),
            max_wait=crawler.settings.getfloat("CLUEWATCH_BATCH_WAIT", 0.5),
        )
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = open_store(crawler)
        self.thread = OneThread("write")
        self.flagged: Counter[str] = Counter()
        self.run: CrawlRun | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def wants(self, page: CapturedPage) -> bool:
        return bool(page.scored)

    def open_spider(self) -> None:
        assert self.crawler.spider is not None
        run_id = self.crawler.settings.get("CLUEWATCH_RUN_ID") or uuid.uuid4().hex
        self.run = CrawlRun(id=run_id, site=self.crawler.spider.name)
        self.store.save_crawl_run(self.run)

    async def handle(self, pages: Sequence[CapturedPage]) -> None:
        batch = [scored for page in pages for scored in page.scored]
        result = await self.thread.call(self.store.write_posts, batch)
        new_ids = set(result.new_ids)
        for sp in batch:
            if sp.post.id in new_ids and sp.scores.flagged:
                self.flagged[sp.scores.label] += 1
                self.stats.inc_value(f"cluewatch/flagged/{sp.scores.label}")
        self.stats.inc_value("cluewatch/posts_new", result.new)
        self.stats.inc_value("cluewatch/posts_changed", result.changed)
        self.stats.inc_value("cluewatch/write_batches")
        for position, reason in result.rejected:
            self.stats.inc_value("cluewatch/errors/rejected_post")
            self.crawler.spider.logger.error("rejected %s: %s", batch[position].post.url, reason)

    def spider_error(self, failure: object, response: object, spider: Spider) -> None:
        self.stats.inc_value("cluewatch/errors/spider")

    async def close_spider(self) -> None:
        await super().close_spider()
        self.thread.close()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """The run's final record. Here, not in `close_spider`: only this signal says
        why the spider closed (`finished`, `shutdown` on SIGINT/SIGTERM, ...)."""
        if self.run is None:
            return
        stats = self.stats.get_stats()
        pages = int(stats.get("response_received_count", 0))
        errors = run_errors(stats)
        status, reasons = run_outcome(pages=pages, errors=errors, reason=reason)
        if status == "failed":
            spider.logger.error(
                "run %s failed (%s): %d pages; errors: %s%s",
                self.run.id,
                ", ".join(reasons),
                pages,
                ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "none",
                "".join(f"; {line}" for line in connect_failures(stats)),
            )
        self.run = self.run.model_copy(
            update={
                "finished_at": utcnow(),
                "status": status,
                "pages": pages,
                "errors": {**errors, **reasons},
                "new_posts": int(stats.get("cluewatch/posts_new", 0)),
                "changed_posts": int(stats.get("cluewatch/posts_changed", 0)),
                "flagged_posts": sum(self.flagged.values()),
                "flagged_by_category": dict(self.flagged),
            }
        )
        self.store.save_crawl_run(self.run)


def run_errors(stats: dict[str, Any]) -> dict[str, int]:
    """Errors by kind from a crawl's stats: requests that ended without a page
    (after retries), retried failures, and pages or posts that could not be read."""
    errors: Counter[str] = Counter()
    for key, value in stats.items():
        if key.startswith("cluewatch/errors/"):
            errors[key.removeprefix("cluewatch/errors/")] += int(value)
        elif key.startswith("retry/reason_count/"):
            reason = key.removeprefix("retry/reason_count/").rsplit(".", 1)[-1]
            errors[f"retried_{reason.replace(' ', '_')}"] += int(value)
    for key in ("cluewatch/pages_not_text",):
        if stats.get(key):
            errors[key.rsplit("/", 1)[-1]] += int(stats[key])
    return dict(errors)
