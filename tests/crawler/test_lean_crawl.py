"""What a crawl process does cheaper than Scrapy's defaults gives the same results."""

from __future__ import annotations

import unicodedata
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import scrapy
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler

from crawler.frontier import request_dict
from crawler.pipelines.normalize import clean_text, parse_time
from crawler.runner import scrapy_settings
from crawler.stats import CrawlStats
from index.sqlite import SQLiteStore

CST = timezone(timedelta(hours=8))


class _Spider(scrapy.Spider):
    name = "lean"

    def parse(self, response: object) -> None:
        pass

    def parse_api(self, response: object, thread_url: str | None = None) -> None:
        pass

    def failed(self, failure: object) -> None:
        pass


def _elsewhere(response: object) -> None:
    pass


@pytest.mark.parametrize(
    "request_",
    [
        lambda s: scrapy.Request("http://127.0.0.1/t/1?page=2", callback=s.parse, errback=s.failed),
        lambda s: scrapy.Request(
            "http://127.0.0.1/api?cursor=9",
            callback=s.parse_api,
            errback=s.failed,
            priority=10,
            cb_kwargs={"thread_url": "http://127.0.0.1/s/1"},
            meta={"cw_fp": "ab12"},
            dont_filter=True,
        ),
        lambda s: scrapy.Request("http://127.0.0.1/robots.txt"),
        lambda s: scrapy.FormRequest(
            "http://127.0.0.1/q", formdata={"q": "代孕"}, callback=s.parse
        ),
    ],
    ids=["page", "api-with-kwargs", "no-callback", "form-request"],
)
def test_frontier_records_requests_as_scrapy_does(request_: object) -> None:
    spider = _Spider()
    request = request_(spider)  # type: ignore[operator]
    data = request_dict(request, spider)
    assert data == request.to_dict(spider=spider)
    back = request_from_dict(data, spider=spider)
    assert (back.url, back.callback, back.errback, back.cb_kwargs, back.meta) == (
        request.url,
        request.callback,
        request.errback,
        request.cb_kwargs,
        request.meta,
    )


def test_callbacks_the_spider_does_not_name_go_through_scrapys_own_search() -> None:
    spider = _Spider()
    other = scrapy.Request("http://127.0.0.1/", callback=_Spider().parse)
    assert request_dict(other, spider) == other.to_dict(spider=spider)
    plain = scrapy.Request("http://127.0.0.1/", callback=_elsewhere)
    with pytest.raises(ValueError, match="not an instance method"):
        plain.to_dict(spider=spider)
    with pytest.raises(ValueError, match="not an instance method"):
        request_dict(plain, spider)


def test_crawl_stats_count_like_scrapys_and_accept_the_old_spider_argument() -> None:
    crawler = get_crawler(settings_dict={"STATS_CLASS": "crawler.stats.CrawlStats"})
    stats = crawler.stats
    assert isinstance(stats, CrawlStats)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.inc_value("pages")
        stats.inc_value("pages", 2, spider=_Spider())  # scrapy-redis still passes it
        stats.max_value("depth", 3)
        stats.max_value("depth", 1)
        stats.set_value("reason", "finished")
    assert stats.get_stats() == {"pages": 3, "depth": 3, "reason": "finished"}


def test_crawls_use_the_lean_components(tmp_path: Path) -> None:
    from cluewatch.settings import Settings

    conf = scrapy_settings(Settings(data_dir=tmp_path))
    assert conf.get("STATS_CLASS") == "crawler.stats.CrawlStats"
    assert conf.getint("SCRAPER_SLOT_MAX_ACTIVE_SIZE") == 2_000_000
    downloader = conf.getwithbase("DOWNLOADER_MIDDLEWARES")
    spider = conf.getwithbase("SPIDER_MIDDLEWARES")
    assert downloader["scrapy.downloadermiddlewares.stats.DownloaderStats"] is None
    assert spider["scrapy.spidermiddlewares.depth.DepthMiddleware"] is None
    # Politeness and correctness stay.
    for kept in ("robotstxt.RobotsTxtMiddleware", "offsite.OffsiteMiddleware"):
        assert downloader[f"scrapy.downloadermiddlewares.{kept}"] is not None
    assert downloader["crawler.middlewares.BackoffRetryMiddleware"] == 550
    assert spider["scrapy.spidermiddlewares.urllength.UrlLengthMiddleware"] is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20 10:05", datetime(2026, 11, 20, 10, 5, tzinfo=CST)),
        ("2026-11-20 10:05:30", datetime(2026, 11, 20, 10, 5, 30, tzinfo=CST)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=CST)),
        ("2026/11/20 10:05", datetime(2026, 11, 20, 10, 5, tzinfo=CST)),
        ("2026/11/20", datetime(2026, 11, 20, tzinfo=CST)),
        ("发表于 2026年11月20日 10:05", datetime(2026, 11, 20, 10, 5, tzinfo=CST)),
        ("2026-11-20T02:05:00Z", datetime(2026, 11, 20, 2, 5, tzinfo=UTC)),
        ("Fri Nov 20 10:05:00 +0800 2026", datetime(2026, 11, 20, 10, 5, tzinfo=CST)),
        ("Fri, 20 Nov 2026 02:05:00 +0000", datetime(2026, 11, 20, 2, 5, tzinfo=UTC)),
        ("昨天", None),
        ("", None),
    ],
)
def test_times_are_read_in_the_formats_chinese_sites_show(
    value: str, expected: datetime | None
) -> None:
    assert parse_time(value) == expected


def test_clean_text_drops_exactly_the_control_characters_but_newlines() -> None:
    every = "".join(chr(c) for c in range(0x3100))
    kept = clean_text(f"x{every}x", 100_000)
    assert [ch for ch in kept if not ch.isspace()] == [
        ch for ch in f"x{every}x" if unicodedata.category(ch) != "Cc" and not ch.isspace()
    ]
    assert "\n" in kept
    assert clean_text("微信\x00 fake_wx_001\u3000\u3000电话\x7f13800000000", 50) == (
        "微信 fake_wx_001 电话13800000000"
    )


def test_a_store_opened_for_a_crawl_keeps_a_small_page_cache(tmp_path: Path) -> None:
    small = SQLiteStore(tmp_path / "a.db", cache_mib=16)
    default = SQLiteStore(tmp_path / "b.db")
    try:
        assert small._conn().execute("PRAGMA cache_size").fetchone()[0] == -16 * 1024
        assert default._conn().execute("PRAGMA cache_size").fetchone()[0] == -128 * 1024
    finally:
        small.close()
        default.close()
