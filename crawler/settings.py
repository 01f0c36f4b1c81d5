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
# Items of one response handled at once. A page yields one item (its posts ride
# on it), and Scrapy starts this many tasks for every response's output: the
# default 100 cost a quarter of the crawl's CPU (measured with cProfile).
CONCURRENT_ITEMS = 4
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control port on crawler hosts
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
STATS_CLASS = "crawler.stats.CrawlStats"
LOG_LEVEL = "INFO"

RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry, doubled for each further one
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 300.0  # a longer Retry-After is not waited for
# Connection failures in a row (refused, name not resolved, no route, connect
# timed out; every attempt, retries included) to one host, with no response from
# it in between, after which the crawl stops with the reason `unreachable`
# rather than try each queued URL four times (0: never). Ten is some three URLs'
# worth of tries: a host that is down for good is given up in seconds, not after
# every URL's backoff (a search patrol of 96 terms took 8 minutes).
CLUEWATCH_UNREACHABLE_AFTER = 10
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Nearer the downloader than the retries: it counts every attempt.
    "crawler.middlewares.UnreachableHostMiddleware": 560,
    # Request and response sizes in the stats (it rebuilds every request's HTTP
    # text to count its bytes); a run records pages and errors by kind itself.
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}
# Every spider middleware wraps each request and item a page yields in one more
# asynchronous generator. Not needed here: the depth of a request (no depth
# limit or depth priority is set) and the warning about meta keys copied from
# a response (the spiders build every request's meta themselves).
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

# The frontier keeps each request until its page is stored (crash-safe resume);
# `crawler.runner` swaps in the Redis one when CLUEWATCH_REDIS_URL is set.
SCHEDULER = "crawler.frontier.SqliteFrontier"
SCHEDULER_PERSIST = True  # scrapy-redis: the Redis frontier decides when to start afresh
SCHEDULER_QUEUE_KEY = "cluewatch:%(spider)s:requests"
SCHEDULER_DUPEFILTER_KEY = "cluewatch:%(spider)s:seen"
# Seconds without a heartbeat after which a crawler process's taken requests go
# back to the shared queue.
CLUEWATCH_REDIS_LEASE_TTL = 30

ITEM_PIPELINES = {
    "crawler.pipelines.normalize.NormalizePipeline": 100,
    "crawler.pipelines.dedup.DedupPipeline": 200,
    "crawler.pipelines.score.ScorePipeline": 300,
    "crawler.pipelines.evidence.EvidencePipeline": 400,
    "crawler.pipelines.index.IndexPipeline": 500,
}

# Posts scored per call and written per bulk write; a batch waits at most
# CLUEWATCH_BATCH_WAIT seconds for more posts.
CLUEWATCH_SCORE_BATCH = 64
CLUEWATCH_WRITE_BATCH = 200
CLUEWATCH_BATCH_WAIT = 0.5
# Threads the classifier's matrix products use in a crawl process. One: the
# process's other threads (downloads and parsing, evidence, store writes) keep
# the other core busy, and a second intra-op thread only spins waiting for
# work (measured: 35 s of CPU per 3,000 pages with two, 23 s with one).
CLUEWATCH_SCORE_THREADS = 1
# SQLite's page cache per store connection in a crawl process (the pipelines use
# two: the dedup lookups and the writes). The store's default, 128 MiB, suits the
# review app's searches; in a crawl the caches filled slowly with the pages of
# recent writes as the database grew, and the process's memory with them (about
# 60 MiB per 10,000 pages, until both were full).
CLUEWATCH_STORE_CACHE_MIB = 16
# Bytes of responses between download and store (Scrapy's default is 5 MB, at
# least 1 KB a page): pages wait here for their score and write batches, each
# holding its parsed page and posts. Measured on a 40,801-page crawl: 5 MB held
# up to 4,400 small pages and 180 MiB more memory at the end than 2 MB, which
# still holds some 1,700 small pages, many batches' worth, and was not slower.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 2_000_000
# glibc malloc's thresholds in a crawl process, fixed at start-up
# (`cluewatch.runtime.steady_malloc`): blocks of 1 MiB or more (the classifier's
# batch buffers) are mapped on their own and returned when freed, and a heap's free
# top beyond 16 MiB is given back. glibc's default raises both as large blocks are
# freed (up to 32 and 64 MiB), and its heaps then kept more and more freed memory:
# measured on a 40,801-page crawl, anonymous memory grew 36-38 MiB over the second
# half with the default, 15 MiB with blocks of 4 MiB or more mapped, 8-25 MiB with
# 1 MiB (docs/crawling.md, "Memory").
CLUEWATCH_MALLOC_MMAP_THRESHOLD = 1024 * 1024
CLUEWATCH_MALLOC_TRIM_THRESHOLD = 16 * 1024 * 1024
