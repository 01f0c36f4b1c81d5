"""Scrapy's in-memory stats, without the per-call deprecation wrapper.

Scrapy 2.13+ wraps every stats method in a check for the deprecated
`spider=` argument, looked up through a `__getattribute__` that raises and
catches an `AttributeError` for every attribute read, `_stats` included.
A crawl updates its stats several times per request and per post; in
a profile of a crawl's main thread this cost as much as the spider's
field extraction. Here the methods are Scrapy's own, read directly; a
`spider=` argument (scrapy-redis still passes one) is accepted and ignored.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class CrawlStats(MemoryStatsCollector):
    __getattribute__ = object.__getattribute__
