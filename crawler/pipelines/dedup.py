"""Stage 2: exact duplicates are dropped before scoring; near-duplicates are kept.

A post is dropped when its id (site + canonical URL) was already handled in
this run (the same post reached by two URLs or on two pages), or when the
store holds it with the same content hash (a re-crawl of an unchanged post:
the page is fetched, but the post is neither scored nor written again).
Near-duplicates (reposts with small edits) are different posts: they are
scored and stored, and the store links them into a cluster by MinHash
(`index.neardup`), the same way on every backend.
"""

from __future__ import annotations

from collections import OrderedDict

from scrapy.crawler import Crawler

from crawler.items import CapturedPage
from crawler.pipelines.store import open_store

# Post ids remembered for the in-run check; older ones are in the store by then.
RECENT_IDS = 50_000


class DedupPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.store = open_store(crawler)
        self.recent: OrderedDict[str, None] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    def process_item(self, page: CapturedPage) -> CapturedPage:
        if not page.posts:
            return page
        stored = self.store.content_hashes([p.id for p in page.posts])
        kept = []
        for post in page.posts:
            if post.id in self.recent:
                self.stats.inc_value("cluewatch/duplicates_in_run")
                continue
            self._remember(post.id)
            if stored.get(post.id) == post.content_hash:
                self.stats.inc_value("cluewatch/unchanged")
                continue
            kept.append(post)
        page.posts = kept
        return page

    def _remember(self, post_id: str) -> None:
        self.recent[post_id] = None
        if len(self.recent) > RECENT_IDS:
            self.recent.popitem(last=False)
