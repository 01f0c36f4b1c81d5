"""A loopback site whose `/slow/` page answers only when the test releases it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlowSite(ThreadingHTTPServer):
    """A one-page site on 127.0.0.1: `/slow/` answers only once `release` is set, `/fast/` at once."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.requested = threading.Event()
        self.release = threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a crawl killed mid-request leaves a broken pipe; expected here


class _SlowHandler(BaseHTTPRequestHandler):
    server: SlowSite

    def do_GET(self) -> None:
        if self.path.startswith("/slow/"):
            self.server.requested.set()
            self.server.release.wait(60)
        body = "<html><body><p>普通的本地页面，用来测试调度。</p></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass
