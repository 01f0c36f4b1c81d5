"""Run crawls in this process: build Scrapy settings from cluewatch settings and site files."""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ScrapyDeprecationWarning,
)
from scrapy.settings import Settings as ScrapySettings
from twisted.internet import error as twisted_error
from twisted.web.client import ResponseFailed

from cluewatch.runtime import steady_malloc
from cluewatch.settings import Settings
from crawler.config import SiteConfig
from crawler.pipelines.index import run_errors
from crawler.runs import SHUTDOWN, connect_failures, run_outcome
from crawler.spiders.config_spider import ConfigSpider


@dataclass
class CrawlSummary:
    site: str
    pages: int = 0
    posts_seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    flagged: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    finish_reason: str = ""
    # As the run is recorded: `failed` with `reasons` (keys of its errors) when the
    # crawl did not finish or fetched nothing (`crawler.runs.run_outcome`).
    status: str = "finished"
    reasons: dict[str, int] = field(default_factory=dict)
    # Connection failures by host, for people (`crawler.runs.connect_failures`).
    unreachable: list[str] = field(default_factory=list)


def scrapy_settings(settings: Settings, *, log_level: str = "INFO") -> ScrapySettings:
    s = ScrapySettings()
    s.setmodule("crawler.settings", priority="project")
    s.set("USER_AGENT", settings.full_user_agent, priority="project")
    s.set("CLUEWATCH_STORE_PATH", str(settings.store_path), priority="project")
    s.set("CLUEWATCH_ES_URL", settings.es_url, priority="project")
    s.set("CLUEWATCH_MODEL_DIR", str(settings.model_dir), priority="project")
    s.set("CLUEWATCH_LEXICON_DIR", str(settings.lexicon_dir), priority="project")
    s.set("CLUEWATCH_EVIDENCE_DIR", str(settings.evidence_dir), priority="project")
    s.set("CLUEWATCH_FRONTIER_DIR", str(settings.data_dir / "frontier"), priority="project")
    if settings.redis_url:
        s.set("SCHEDULER", "crawler.frontier.RedisFrontier", priority="project")
        s.set("REDIS_URL", settings.redis_url, priority="project")
        s.set("CLUEWATCH_REDIS_LEASE_TTL", settings.redis_lease_ttl, priority="project")
        s.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="project")
    if settings.flag_threshold is not None:
        s.set("CLUEWATCH_FLAG_THRESHOLD", settings.flag_threshold, priority="project")
    s.set("LOG_LEVEL", log_level, priority="project")
    s.set("CLUEWATCH_RUN_ID", os.environ.get("CLUEWATCH_RUN_ID") or None, priority="project")
    return s


def search_terms(settings: Settings, site: SiteConfig) -> list[str]:
    """The terms a keyword patrol searches for: the site's own list, or the lexicon's
    strong terms (those that flag a post on their own), most specific first."""
    if site.search is None:
        return []
    if isinstance(site.search.terms, list):
        return list(site.search.terms)
    from lexicon.data import load_data
    from lexicon.manage import directories

    data = load_data(directories(settings.lexicon_dir))
    terms = {
        t.term
        for t in data.terms
        if t.weight == "strong" and not t.disabled and not t.requires and not t.initials
    }
    return sorted(terms, key=lambda t: (-len(t), t))


def _spider_for(site: SiteConfig) -> type[ConfigSpider]:
    polite = site.politeness
    custom: dict[str, Any] = {
        "DOWNLOAD_DELAY": polite.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": polite.concurrency,
        "AUTOTHROTTLE_ENABLED": polite.autothrottle,
        "ROBOTSTXT_OBEY": polite.obey_robots,
        "DOWNLOAD_TIMEOUT": polite.download_timeout,
        "DOWNLOAD_MAXSIZE": int(polite.max_page_mb * 1024 * 1024),
        "DOWNLOAD_WARNSIZE": int(polite.max_page_mb * 1024 * 1024 / 2),
    }
    return type(
        f"Spider_{site.name.replace('-', '_')}", (ConfigSpider,), {"custom_settings": custom}
    )


class _BelowLevel(logging.Filter):
    """Drops Scrapy's and Twisted's records below a level."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("scrapy", "twisted", "protego")):
            return record.levelno >= self.level
        return True


# Download failures that say all there is to say in one line: Scrapy logs some of
# them (robots.txt) with a traceback of its own internals.
_DOWNLOAD_ERRORS = (
    DownloadConnectionRefusedError,
    CannotResolveHostError,
    DownloadTimeoutError,
    DownloadFailedError,
    ResponseFailed,
    twisted_error.ConnectError,
    twisted_error.DNSLookupError,
    twisted_error.TimeoutError,
    twisted_error.ConnectionLost,
)


class _OneLineDownloadErrors(logging.Filter):
    """Drops the traceback of Scrapy's and Twisted's records about a failed download:
    the message already names the request and the error. Not installed at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.exc_info
            and record.name.startswith(("scrapy", "twisted"))
            and isinstance(record.exc_info[1], _DOWNLOAD_ERRORS)
        ):
            record.exc_info = None
            record.exc_text = None
        return True


def run_crawls(
    settings: Settings, sites: list[SiteConfig], *, log_level: str = "INFO", join: bool = False
) -> list[CrawlSummary]:
    """Crawl `sites` to completion (blocking; once per process, as Twisted's reactor allows).

    `join`: with Redis, only help with crawls in progress; never start one."""
    scrapy_conf = scrapy_settings(settings, log_level=log_level)
    scrapy_conf.set("CLUEWATCH_JOIN_ONLY", join, priority="project")
    # Before the model and the store are opened: a long crawl's memory stays flat.
    steady_malloc(
        mmap_threshold=scrapy_conf.getint("CLUEWATCH_MALLOC_MMAP_THRESHOLD"),
        trim_threshold=scrapy_conf.getint("CLUEWATCH_MALLOC_TRIM_THRESHOLD"),
    )
    # scrapy-redis still passes `spider=` to the stats collector; nothing for operators to do.
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module=r"scrapy_redis\.")
    level = logging.getLevelName(log_level.upper())
    # Scrapy resets its loggers to DEBUG when it sets up logging and logs its
    # start-up lines right away; a filter on cluewatch's handlers holds them to `level`.
    quiet = _BelowLevel(level if isinstance(level, int) else logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet)
        if quiet.level > logging.DEBUG:
            handler.addFilter(_OneLineDownloadErrors())
    # cluewatch's own handler prints; Scrapy's would print every INFO line again.
    scrapy_conf.set("LOG_INSTALL_ROOT_HANDLER", False, priority="project")
    process = CrawlerProcess(scrapy_conf)
    # Scrapy's logging set-up resets its loggers to DEBUG; apply the level after it.
    for name in ("scrapy", "twisted", "protego"):
        logging.getLogger(name).setLevel(quiet.level)
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(_spider_for(site))
        crawlers.append((site, crawler))
        process.crawl(crawler, site=site, search_terms=search_terms(settings, site))
    process.start()
    summaries = []
    for site, crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        summary = CrawlSummary(
            site=site.name,
            pages=int(stats.get("response_received_count", 0)),
            posts_seen=int(stats.get("cluewatch/posts_seen", 0)),
            new=int(stats.get("cluewatch/posts_new", 0)),
            changed=int(stats.get("cluewatch/posts_changed", 0)),
            unchanged=int(stats.get("cluewatch/unchanged", 0)),
            finish_reason=str(stats.get("finish_reason", "")),
        )
        summary.errors = run_errors(stats)
        summary.status, summary.reasons = run_outcome(
            pages=summary.pages,
            errors=summary.errors,
            # None when the process was stopped before the spider could close (Ctrl-C twice).
            reason=summary.finish_reason or SHUTDOWN,
        )
        summary.unreachable = connect_failures(stats)
        summary.flagged = {
            key.rsplit("/", 1)[-1]: int(value)
            for key, value in stats.items()
            if key.startswith("cluewatch/flagged/")
        }
        summaries.append(summary)
    return summaries
