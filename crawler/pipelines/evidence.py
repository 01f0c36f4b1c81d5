"""Stage 4: evidence, before the posts are written.

For every page that yields a new or changed post, the raw response bytes,
their SHA-256, the capture time and the response headers are saved under
the evidence directory, as a WARC file (warcio) next to the bytes
themselves (`index.evidence`). This runs before the store write so that a
stored post always has its evidence, even after a crash between the two.
Pages are saved in batches (`BatchStage`, as many posts as a score batch)
in one dedicated thread: one hand-off to the thread per batch, not per page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scrapy.crawler import Crawler

from crawler.items import CapturedPage
from crawler.pipelines.batch import BatchStage, OneThread
from index.evidence import EvidenceStore


class EvidencePipeline(BatchStage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(
            size=crawler.settings.getint("CLUEWATCH_SCORE_BATCH", 64),
            max_wait=crawler.settings.getfloat("CLUEWATCH_BATCH_WAIT", 0.5),
        )
        self.stats = crawler.stats
        self.evidence = EvidenceStore(Path(crawler.settings.get("CLUEWATCH_EVIDENCE_DIR")))
        self.thread = OneThread("evidence")
        # Pages of the last batches whose evidence could not be written, and why:
        # only those fail, not the rest of their batch.
        self.failed: dict[int, Exception] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidencePipeline:
        return cls(crawler)

    def wants(self, page: CapturedPage) -> bool:
        return bool(page.scored) and page.body is not None

    async def process_item(self, page: CapturedPage) -> CapturedPage:
        page = await super().process_item(page)
        page.body = None  # the bytes are in the evidence file (or not needed): free them
        error = self.failed.pop(id(page), None)
        if error is not None:
            raise error
        return page

    async def handle(self, pages: Sequence[CapturedPage]) -> None:
        failed = await self.thread.call(self._save_all, pages)
        for page in pages:
            if id(page) in failed:
                self.failed[id(page)] = failed[id(page)]
            else:
                page.evidence_saved = True
        self.stats.inc_value("cluewatch/evidence_saved", len(pages) - len(failed))

    def _save_all(self, pages: Sequence[CapturedPage]) -> dict[int, Exception]:
        failed = {}
        for page in pages:
            try:
                self._save(page)
            except Exception as exc:  # that page fails in its own process_item
                failed[id(page)] = exc
        return failed

    def _save(self, page: CapturedPage) -> None:
        assert page.body is not None
        self.evidence.put_capture(
            url=page.url,
            status=page.status,
            headers=page.headers,
            body=page.body,
            captured_at=page.captured_at,
            meta={
                "site": page.site,
                "spider": page.spider,
                "method": "GET",
                "request_headers": [list(h) for h in page.request_headers],
                "redirects": page.redirects,
            },
        )

    async def close_spider(self) -> None:
        await super().close_spider()
        self.thread.close()
