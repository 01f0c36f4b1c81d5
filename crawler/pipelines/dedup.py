"""Stage 2: drop posts already seen in this run or stored unchanged.

Exact duplicates only for now: the same post id seen twice in a run, or a post
whose content hash matches the stored one (a re-crawl of an unchanged post).
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.pipelines.store import open_store
from index.models import Post


class DedupPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.store = open_store(crawler)
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    def process_item(self, post: Post) -> Post:
        if post.id in self.seen:
            self.stats.inc_value("cluewatch/duplicates_in_run")
            raise DropItem(f"already seen in this run: {post.url}")
        self.seen.add(post.id)
        stored = self.store.content_hashes([post.id]).get(post.id)
        if stored == post.content_hash:
            self.stats.inc_value("cluewatch/unchanged")
            raise DropItem(f"unchanged since the last crawl: {post.url}")
        return post
