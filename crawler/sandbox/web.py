"""What the sites share: requests, responses, server state and markup helpers.

A site is an object with `handle(request) -> Response | None` (None: not a
path it serves). Sites build whole bodies as bytes; the HTTP layer in
`server.py` only frames them, so a site decides its own encoding and
declaration (header, `<meta>`, or none).
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

# A benign post's body may carry this: the crawler must not take it for post text.
SCRIPT_TRAP_HTML = (
    '<script type="text/javascript">var _ad={"t":"高价代孕 包成功包性别 供卵 '
    '加v fake_ad_88 私聊"};if(window.showAd){showAd(_ad);}</script>'
    '<style>.ad-banner::after{content:"代孕 捐卵有偿 送养宝宝 扣扣 100000888"}</style>'
)


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query exactly as requested
    path: str
    query: dict[str, list[str]]
    client: str  # the client's IP address
    base: str  # this server's own base URL, "http://127.0.0.1:PORT"

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]

    def int_arg(self, name: str, default: int, *, minimum: int = 1, maximum: int = 9_999) -> int:
        """The integer query argument `name`, or `default` when absent or out of range."""
        value = self.query.get(name, [""])[0]
        if value.isdigit() and minimum <= int(value) <= maximum:
            return int(value)
        return default


class StreamedBody(Protocol):
    """A body too big to hold: its length is known up front, its bytes come in chunks."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[bytes]: ...


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes | StreamedBody
    delay: float = 0.0  # seconds the server waits before answering

    @classmethod
    def html(cls, text: str, charset: str, *, declare_in_header: bool = True) -> Response:
        """`text` encoded in `charset` (characters it lacks become &#NNNN; references)."""
        ctype = f"text/html; charset={charset}" if declare_in_header else "text/html"
        return cls(200, {"Content-Type": ctype}, text.encode(charset, "xmlcharrefreplace"))

    @classmethod
    def text(cls, text: str, *, status: int = 200) -> Response:
        return cls(status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode())

    @classmethod
    def json(cls, value: object, *, status: int = 200) -> Response:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, {"Content-Type": "application/json; charset=utf-8"}, body)

    @classmethod
    def xml(cls, text: str, content_type: str) -> Response:
        return cls(200, {"Content-Type": f"{content_type}; charset=utf-8"}, text.encode())

    @classmethod
    def redirect(cls, location: str, *, status: int) -> Response:
        body = f'<a href="{html.escape(location)}">moved</a>'.encode()
        return cls(status, {"Location": location, "Content-Type": "text/html; charset=utf-8"}, body)

    @classmethod
    def not_found(cls) -> Response:
        return cls(
            404, {"Content-Type": "text/html; charset=utf-8"}, "<h1>404 页面不存在</h1>".encode()
        )

    @classmethod
    def forbidden(cls) -> Response:
        return cls(
            403, {"Content-Type": "text/html; charset=utf-8"}, "<h1>403 无权访问</h1>".encode()
        )

    @classmethod
    def server_error(cls) -> Response:
        body = "<h1>500 Internal Server Error</h1><p>服务器开小差了，请稍后再试</p>".encode()
        return cls(500, {"Content-Type": "text/html; charset=utf-8"}, body)


class Site(Protocol):
    def handle(self, request: Request) -> Response | None: ...


@dataclass
class SandboxState:
    """Mutable state shared by the sites of one running sandbox."""

    slow_seconds: float
    edition: int = 1
    _failed_once: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def advance(self) -> int:
        with self._lock:
            self.edition += 1
            return self.edition

    def first_request(self, key: str) -> bool:
        """True the first time `key` is asked for on this server, False after."""
        with self._lock:
            if key in self._failed_once:
                return False
            self._failed_once.add(key)
            return True


# -- markup ---------------------------------------------------------------------


def esc(value: object) -> str:
    return html.escape(str(value if value is not None else ""))


def page(title: str, body: str, charset: str, *, head: str = "") -> str:
    """A whole HTML document declaring `charset` in a <meta> tag ("" declares none)."""
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head>{meta}'
        f"<title>{esc(title)}</title>{head}</head><body>{body}</body></html>"
    )


def pager(base: str, page_no: int, pages: int) -> str:
    """The forum/classifieds pager: `a.prev-page`, `a.next-page` with `?page=N`."""
    parts = []
    if page_no > 1:
        parts.append(f'<a class="prev-page" href="{base}?page={page_no - 1}">上一页</a>')
    parts.append(f"<span>第 {page_no}/{pages} 页</span>")
    if page_no < pages:
        parts.append(f'<a class="next-page" href="{base}?page={page_no + 1}">下一页</a>')
    return '<div class="pager">' + " ".join(parts) + "</div>"


def paragraphs(text: str) -> str:
    """One <p> per non-empty line."""
    return "".join(f"<p>{esc(line)}</p>" for line in str(text).strip().splitlines() if line.strip())


def br_lines(text: str, br: str = "<br>") -> str:
    """Lines joined by `br`, as Tieba and Weibo render post text."""
    lines = str(text).strip().splitlines()
    return br.join(html.escape(line, quote=False) for line in lines if line.strip())


def pages_of(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))
