"""Scrapy defaults for cluewatch crawls, all in one place.

`crawler.runner` layers the operator's `cluewatch.settings.Settings` and each
site's politeness block on top of these.
"""

BOT_NAME = "cluewatch"
SPIDER_MODULES = ["crawler.spiders"]

# Politeness: obey robots.txt, adapt to the server, identify ourselves.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "crawler.pipelines.normalize.NormalizePipeline": 100,
    "crawler.pipelines.dedup.DedupPipeline": 200,
    "crawler.pipelines.score.ScorePipeline": 300,
    "crawler.pipelines.index.IndexPipeline": 400,
}

# Posts written to the store per bulk write.
CLUEWATCH_WRITE_BATCH = 50
