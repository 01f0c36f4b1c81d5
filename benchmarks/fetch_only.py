"""The baseline of the crawl benchmark: a plain Scrapy spider that only fetches.

It follows the same links as the bench site's config (`a.thread-link`,
`a.next-page`) with the same concurrency and robots.txt handling, and does
nothing with the pages. Run as `python -m benchmarks.fetch_only START_URL
CONCURRENCY`; prints one JSON line: pages, seconds, requests/s.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response


class FetchOnlySpider(scrapy.Spider):
    name = "fetch-only"

    def __init__(self, start: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("a.thread-link::attr(href), a.next-page::attr(href)").getall():
            yield response.follow(href, self.parse)


def main() -> None:
    start, concurrency = sys.argv[1], int(sys.argv[2])
    process = CrawlerProcess(
        {
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": max(16, concurrency),
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    crawler = process.create_crawler(FetchOnlySpider)
    process.crawl(crawler, start=start)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    pages = int(stats.get("response_received_count", 0))
    seconds = float(stats.get("elapsed_time_seconds", 0.0))
    print(json.dumps({"pages": pages, "seconds": seconds}))


if __name__ == "__main__":
    main()
