"""Stage 4: bulk writes to the store, and the crawl run record.

Posts are written in batches of `CLUEWATCH_WRITE_BATCH`; whatever is buffered
is written when the spider closes. Every run is recorded with its pages,
errors by kind, new, changed and flagged posts.
"""

from __future__ import annotations

import uuid
from collections import Counter

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.pipelines.store import open_store
from index.models import CrawlRun, ScoredPost, utcnow


class IndexPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = open_store(crawler)
        self.batch_size = crawler.settings.getint("CLUEWATCH_WRITE_BATCH", 50)
        self.buffer: list[ScoredPost] = []
        self.flagged: Counter[str] = Counter()
        self.run: CrawlRun | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        return pipeline

    def open_spider(self) -> None:
        assert self.crawler.spider is not None
        self.run = CrawlRun(id=uuid.uuid4().hex, site=self.crawler.spider.name)
        self.store.save_crawl_run(self.run)

    def process_item(self, item: ScoredPost) -> ScoredPost:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self._flush()
        return item

    def _flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        result = self.store.write_posts(batch)
        new_ids = set(result.new_ids)
        for sp in batch:
            if sp.post.id in new_ids and sp.scores.flagged:
                self.flagged[sp.scores.label] += 1
        self.stats.inc_value("cluewatch/posts_new", result.new)
        self.stats.inc_value("cluewatch/posts_changed", result.changed)
        for position, reason in result.rejected:
            self.stats.inc_value("cluewatch/posts_rejected")
            self.crawler.spider.logger.error("rejected %s: %s", batch[position].post.url, reason)

    def spider_error(self, failure: object, response: object, spider: Spider) -> None:
        self.stats.inc_value("cluewatch/errors/spider")

    def close_spider(self) -> None:
        self._flush()
        if self.run is None:
            return
        stats = self.stats.get_stats()
        errors: dict[str, int] = {}
        for key, value in stats.items():
            if key.startswith("downloader/exception_type_count/"):
                errors[key.rsplit("/", 1)[-1].rsplit(".", 1)[-1]] = int(value)
            elif key.startswith("downloader/response_status_count/") and not key.endswith(
                ("/200", "/301", "/302")
            ):
                errors["http_" + key.rsplit("/", 1)[-1]] = int(value)
        if stats.get("cluewatch/errors/spider"):
            errors["spider"] = int(stats["cluewatch/errors/spider"])
        self.run = self.run.model_copy(
            update={
                "finished_at": utcnow(),
                "status": "finished",
                "pages": int(stats.get("response_received_count", 0)),
                "errors": errors,
                "new_posts": int(stats.get("cluewatch/posts_new", 0)),
                "changed_posts": int(stats.get("cluewatch/posts_changed", 0)),
                "flagged_posts": sum(self.flagged.values()),
                "flagged_by_category": dict(self.flagged),
            }
        )
        self.store.save_crawl_run(self.run)
