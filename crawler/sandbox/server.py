"""The sandbox web: local sites on 127.0.0.1 that behave like the real ones.

One HTTP server serves every site under its own path (see each module in
`crawler/sandbox/sites/` for its URLs and markup):

* `/forum/`: a Discuz!-style forum, UTF-8; board 9 carries the nuisances
  (redirects, 404/500, slow, truncated, script trap, duplicate URLs and a
  print view, binary bytes as HTML, the 50 MB page); `/forum/search?q=`;
* `/tieba/`: a Tieba-style bar, GB18030 declared only in a `<meta>`;
* `/classifieds/`: a 58-style classifieds site, GBK declared in the header;
* `/qa/`: a Q&A site, GBK declared nowhere, rate-limited (429 + Retry-After),
  with a sitemap;
* `/weibo/`: a microblog whose posts come from a JSON API with cursors;
* `/blog/`: articles with RSS and Atom feeds;
* `/bench/`: generated threads for crawl benchmarks (`bench_threads` > 0);
* `/robots.txt`: disallows the Tieba private area and the forum's and
  classifieds' admin pages.

Content is deterministic (the same on every start): hand-written forum and
classifieds posts, the rest drawn from the corpus's held-out split
(`content.py`). `Sandbox.content` gives the ground truth a crawl is compared
with; `Sandbox.requests` records every request served.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from crawler.sandbox.content import SandboxContent
from crawler.sandbox.ratelimit import SlidingWindowLimit
from crawler.sandbox.sites.bench import BenchSite, bench_expectations
from crawler.sandbox.sites.blobs import DEFAULT_BIG_PAGE_BYTES
from crawler.sandbox.sites.blog import BlogSite
from crawler.sandbox.sites.classifieds import ClassifiedsSite
from crawler.sandbox.sites.forum import ForumSite
from crawler.sandbox.sites.qa import QaSite
from crawler.sandbox.sites.search import SearchSite
from crawler.sandbox.sites.tieba import TiebaSite
from crawler.sandbox.sites.weibo import WeiboSite
from crawler.sandbox.web import Request, Response, SandboxState, Site, esc, page

ROBOTS_TXT = (
    "User-agent: *\n"
    "Disallow: /tieba/private/\n"
    "Disallow: /forum/admin/\n"
    "Disallow: /classifieds/admin/\n"
)
DISALLOWED = ("/tieba/private/", "/forum/admin/", "/classifieds/admin/")
HOME_LINKS = (
    ("/forum/", "论坛（Discuz! 式）"),
    ("/tieba/", "贴吧"),
    ("/classifieds/", "分类信息"),
    ("/qa/", "问答"),
    ("/weibo/", "微博"),
    ("/blog/", "博客（RSS/Atom）"),
    ("/forum/search?q=", "论坛搜索"),
)


class Hit(NamedTuple):
    """One request the sandbox answered: `target` is the path and query as sent,
    `at` the `time.monotonic()` when it arrived."""

    method: str
    target: str
    status: int
    at: float


class RequestLog:
    """Every request served, in arrival order; safe to append from the server's threads."""

    def __init__(self) -> None:
        self._hits: list[Hit] = []
        self._lock = threading.Lock()

    def add(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    def snapshot(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


class SandboxApp:
    """Routes a request to the first site that serves its path.

    While `pages_open` is clear, every request but `/robots.txt` waits for it (at
    most `HOLD_SECONDS`): a test holds the pages until all its crawlers are up.
    """

    HOLD_SECONDS = 120.0

    def __init__(self, sites: list[Site]) -> None:
        self.sites = sites
        self.pages_open = threading.Event()
        self.pages_open.set()

    def handle(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return Response.text(ROBOTS_TXT)
        self.pages_open.wait(self.HOLD_SECONDS)
        if request.path in ("/", ""):
            items = "".join(
                f'<li><a href="{href}">{esc(name)}</a></li>' for href, name in HOME_LINKS
            )
            return Response.html(
                page("沙盒网站", f"<h1>沙盒网站</h1><ul>{items}</ul>", "utf-8"), "utf-8"
            )
        for site in self.sites:
            response = site.handle(request)
            if response is not None:
                return response
        return Response.not_found()


class _Handler(BaseHTTPRequestHandler):
    app: SandboxApp
    log: RequestLog | None
    base: str  # the server's own base URL
    server_version = "sandbox/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive: a crawl reuses its connections
    timeout = 60  # seconds an idle kept-alive connection (and its thread) lives
    # Headers and body go out as separate writes: with Nagle's algorithm the body
    # would wait for the client's delayed ACK (40 ms a response on Linux).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        arrived = time.monotonic()
        parts = urlsplit(self.path)
        request = Request(
            method="GET",
            target=self.path,
            path=parts.path,
            query=parse_qs(parts.query),
            client=self.client_address[0],
            base=self.base,
        )
        response = self.app.handle(request)
        if self.log is not None:
            self.log.add(Hit("GET", self.path, response.status, arrived))
        if response.delay:
            time.sleep(response.delay)
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        try:
            if isinstance(response.body, bytes):
                self.wfile.write(response.body)
            else:
                for chunk in response.body:
                    self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a crawler refusing an oversized page): nothing to answer.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return


class Sandbox:
    """The sandbox web on 127.0.0.1 in a background thread; a context manager.

    `port=0` picks a free port (`url` tells which). `slow_seconds`: how long
    slow pages wait before answering. `bench_threads`: mount `/bench/` with
    that many generated threads (0: not mounted). `big_page_bytes`: size of
    the forum's oversized archive page (sent in chunks, never held whole).
    `qa_limit` requests per `qa_window` seconds per client are served by the
    Q&A site, more answer 429 (`qa_limit=0`: no limit). `log_requests`:
    record every request in `requests` (a benchmark of 100,000 pages may
    turn it off).
    """

    def __init__(
        self,
        port: int = 0,
        *,
        slow_seconds: float = 1.0,
        bench_threads: int = 0,
        big_page_bytes: int = DEFAULT_BIG_PAGE_BYTES,
        qa_limit: int = 4,
        qa_window: float = 1.0,
        log_requests: bool = True,
        content: SandboxContent | None = None,
    ) -> None:
        if slow_seconds < 0 or bench_threads < 0 or big_page_bytes < 0 or qa_limit < 0:
            raise ValueError("sandbox sizes and delays must not be negative")
        self.content = content or SandboxContent.load()
        self.state = SandboxState(slow_seconds=slow_seconds)
        self.bench_threads = bench_threads
        self._log = RequestLog() if log_requests else None
        limit = SlidingWindowLimit(limit=qa_limit, window=qa_window) if qa_limit else None
        sites: list[Site] = [
            ForumSite(self.content, self.state, big_page_bytes=big_page_bytes),
            SearchSite(self.content, self.state),
            TiebaSite(self.content, self.state),
            ClassifiedsSite(self.content),
            QaSite(self.content, self.state, limit=limit),
            WeiboSite(self.content, self.state),
            BlogSite(self.content, self.state),
        ]
        if bench_threads:
            sites.append(BenchSite(threads=bench_threads))
        self.app = SandboxApp(sites)
        handler: type[_Handler] = type("Handler", (_Handler,), {"app": self.app, "log": self._log})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        handler.base = self.url
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},  # how soon `stop()` returns
            name="sandbox-web",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def requests(self) -> list[Hit]:
        """The requests served so far (a copy), oldest first; empty when not logged."""
        return self._log.snapshot() if self._log is not None else []

    def clear_requests(self) -> None:
        if self._log is not None:
            self._log.clear()

    @contextmanager
    def pages_held(self) -> Iterator[None]:
        """Every page but `/robots.txt` waits until the block ends (or
        `SandboxApp.HOLD_SECONDS` pass): crawlers started inside it all get going
        before any of them can finish."""
        self.app.pages_open.clear()
        try:
            yield
        finally:
            self.app.pages_open.set()

    @property
    def edition(self) -> int:
        return self.state.edition

    def advance(self) -> int:
        """Edit the posts listed by `content.edited_urls()`: from now on they show their
        edited text (and feeds and sitemaps their new update times). Returns the new edition."""
        return self.state.advance()

    def bench_expectations(self) -> dict[str, list[str]]:
        """Expected categories per stored post URL of `/bench/` (empty when not mounted)."""
        return bench_expectations(self.url, self.bench_threads)

    def start(self) -> Sandbox:
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the server stops (`cluewatch sandbox serve`)."""
        self._thread.join()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
