"""Stage 4: evidence, before the posts are written.

For every page that yields a new or changed post, the raw response bytes,
their SHA-256, the capture time and the response headers are saved under
the evidence directory, as a WARC file (warcio) next to the bytes
themselves (`index.evidence`). This runs before the store write so that a
stored post always has its evidence, even after a crash between the two.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler

from crawler.items import CapturedPage
from crawler.pipelines.batch import OneThread
from index.evidence import EvidenceStore


class EvidencePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.evidence = EvidenceStore(Path(crawler.settings.get("CLUEWATCH_EVIDENCE_DIR")))
        self.thread = OneThread("evidence")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidencePipeline:
        return cls(crawler)

    async def process_item(self, page: CapturedPage) -> CapturedPage:
        if page.scored and page.body is not None:
            await self.thread.call(self._save, page)
            page.evidence_saved = True
            self.stats.inc_value("cluewatch/evidence_saved")
        page.body = None
        return page

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

    def close_spider(self) -> None:
        self.thread.close()
