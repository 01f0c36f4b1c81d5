"""The sandbox web: local sites on 127.0.0.1 that behave like the real ones.

* `/forum/`: a Discuz!-style forum (boards, paginated thread lists, thread
  pages with floors and pagination), served in UTF-8.
* `/classifieds/`: a 58-style classifieds site (category lists, listing
  detail pages with price and contact fields), served in GBK as many older
  Chinese sites are, declared in the Content-Type header.

Content comes from `crawler/sandbox/content/*.yaml`, written for the project:
clue posts and benign ones, each with the categories it should get
(`expect`), which tests compare with what the pipeline stored.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

CONTENT_DIR = Path(__file__).resolve().parent / "content"
THREADS_PER_PAGE = 10
FLOORS_PER_PAGE = 5
LISTINGS_PER_PAGE = 8


@dataclass
class SandboxContent:
    forum: dict[str, Any]
    classifieds: dict[str, Any]
    threads: dict[int, dict[str, Any]] = field(default_factory=dict)
    listings: dict[int, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path = CONTENT_DIR) -> SandboxContent:
        forum = yaml.safe_load((directory / "forum.yaml").read_text(encoding="utf-8"))
        classifieds = yaml.safe_load((directory / "classifieds.yaml").read_text(encoding="utf-8"))
        content = cls(forum, classifieds)
        for board in forum["boards"]:
            for thread in board["threads"]:
                content.threads[int(thread["id"])] = thread
        for category in classifieds["categories"]:
            for listing in category["listings"]:
                content.listings[int(listing["id"])] = (category, listing)
        return content

    def expectations(self, base_url: str) -> dict[str, list[str]]:
        """Expected categories per post URL, as the crawler should store them."""
        base = base_url.rstrip("/")
        out: dict[str, list[str]] = {}
        for tid, thread in self.threads.items():
            url = f"{base}/forum/thread/{tid}"
            out[url] = list(thread.get("expect") or [])
            for n, reply in enumerate(thread.get("replies") or [], start=2):
                out[f"{url}#pid{tid}-{n}"] = list(reply.get("expect") or [])
        for lid, (category, listing) in self.listings.items():
            out[f"{base}/classifieds/{category['id']}/{lid}.html"] = list(
                listing.get("expect") or []
            )
        return out


def _e(value: object) -> str:
    return html.escape(str(value if value is not None else ""))


def _page(title: str, body: str, charset: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="{charset}">'
        f"<title>{_e(title)}</title></head><body>{body}</body></html>"
    )


def _pager(base: str, page: int, pages: int) -> str:
    parts = []
    if page > 1:
        parts.append(f'<a class="prev-page" href="{base}?page={page - 1}">上一页</a>')
    parts.append(f"<span>第 {page}/{pages} 页</span>")
    if page < pages:
        parts.append(f'<a class="next-page" href="{base}?page={page + 1}">下一页</a>')
    return '<div class="pager">' + " ".join(parts) + "</div>"


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_e(line)}</p>" for line in str(text).strip().splitlines() if line.strip())


class SandboxApp:
    """Routes sandbox requests to (status, headers, body bytes)."""

    def __init__(self, content: SandboxContent) -> None:
        self.content = content

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        page = _int(query.get("page", ["1"])[0], 1)
        if path == "/robots.txt":
            return self._text(
                "User-agent: *\nDisallow: /forum/admin/\nDisallow: /classifieds/admin/\n"
            )
        if path in ("/", ""):
            body = '<h1>沙盒网站</h1><ul><li><a href="/forum/">论坛</a></li><li><a href="/classifieds/">分类信息</a></li></ul>'
            return self._html(_page("sandbox", body, "utf-8"), "utf-8")
        if path == "/forum/":
            return self._forum_index()
        if m := re.fullmatch(r"/forum/board/(\d+)", path):
            return self._forum_board(int(m.group(1)), page)
        if m := re.fullmatch(r"/forum/thread/(\d+)", path):
            return self._forum_thread(int(m.group(1)), page)
        if path == "/classifieds/":
            return self._classifieds_index()
        if m := re.fullmatch(r"/classifieds/([a-z]+)/", path):
            return self._classifieds_category(m.group(1), page)
        if m := re.fullmatch(r"/classifieds/([a-z]+)/(\d+)\.html", path):
            return self._classifieds_listing(m.group(1), int(m.group(2)))
        return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404 Not Found</h1>"

    # -- forum (UTF-8) ------------------------------------------------------

    def _forum_index(self) -> tuple[int, dict[str, str], bytes]:
        forum = self.content.forum
        rows = "".join(
            f'<li><a class="board-link" href="/forum/board/{b["id"]}">{_e(b["name"])}</a> '
            f'<span class="count">{len(b["threads"])} 主题</span></li>'
            for b in forum["boards"]
        )
        return self._html(
            _page(
                forum["name"],
                f"<h1>{_e(forum['name'])}</h1><ul class='boards'>{rows}</ul>",
                "utf-8",
            ),
            "utf-8",
        )

    def _forum_board(self, board_id: int, page: int) -> tuple[int, dict[str, str], bytes]:
        board = next((b for b in self.content.forum["boards"] if int(b["id"]) == board_id), None)
        if board is None:
            return self._not_found()
        threads = board["threads"]
        pages = max(1, -(-len(threads) // THREADS_PER_PAGE))
        if page > pages:
            return self._not_found()
        chunk = threads[(page - 1) * THREADS_PER_PAGE : page * THREADS_PER_PAGE]
        rows = "".join(
            f'<tr><td><a class="thread-link" href="/forum/thread/{t["id"]}">{_e(t["title"])}</a></td>'
            f'<td class="author">{_e(t.get("author"))}</td><td>{len(t.get("replies") or [])}</td></tr>'
            for t in chunk
        )
        body = (
            f'<div class="crumbs"><a href="/forum/">首页</a> &gt; {_e(board["name"])}</div>'
            f"<h1>{_e(board['name'])}</h1><table class='threads'>{rows}</table>"
            + _pager(f"/forum/board/{board_id}", page, pages)
        )
        return self._html(_page(board["name"], body, "utf-8"), "utf-8")

    def _forum_thread(self, tid: int, page: int) -> tuple[int, dict[str, str], bytes]:
        thread = self.content.threads.get(tid)
        if thread is None:
            return self._not_found()
        floors = [thread, *(thread.get("replies") or [])]
        pages = max(1, -(-len(floors) // FLOORS_PER_PAGE))
        if page > pages:
            return self._not_found()
        start = (page - 1) * FLOORS_PER_PAGE
        html_floors = []
        for n, floor in enumerate(floors[start : start + FLOORS_PER_PAGE], start=start + 1):
            html_floors.append(
                f'<div class="floor" id="pid{tid}-{n}" data-floor="{n}">'
                f'<div class="floor-head"><span class="floor-author">{_e(floor.get("author"))}</span> '
                f'<time class="floor-time" datetime="{_e(floor.get("posted"))}">发表于 {_e(floor.get("posted"))}</time> '
                f'<em class="floor-no">{n}#</em></div>'
                f'<div class="floor-body">{_paragraphs(floor.get("body", ""))}</div></div>'
            )
        body = (
            '<div class="crumbs"><a href="/forum/">首页</a></div>'
            f'<h1 class="thread-title">{_e(thread["title"])}</h1>'
            + "".join(html_floors)
            + _pager(f"/forum/thread/{tid}", page, pages)
            + '<div class="footer"><a href="/forum/admin/">管理</a></div>'
        )
        return self._html(_page(thread["title"], body, "utf-8"), "utf-8")

    # -- classifieds (GBK) --------------------------------------------------

    def _classifieds_index(self) -> tuple[int, dict[str, str], bytes]:
        site = self.content.classifieds
        rows = "".join(
            f'<li><a class="cat-link" href="/classifieds/{c["id"]}/">{_e(c["name"])}</a></li>'
            for c in site["categories"]
        )
        return self._html(
            _page(site["name"], f"<h1>{_e(site['name'])}</h1><ul>{rows}</ul>", "gbk"), "gbk"
        )

    def _classifieds_category(self, cat_id: str, page: int) -> tuple[int, dict[str, str], bytes]:
        category = next(
            (c for c in self.content.classifieds["categories"] if c["id"] == cat_id), None
        )
        if category is None:
            return self._not_found()
        listings = category["listings"]
        pages = max(1, -(-len(listings) // LISTINGS_PER_PAGE))
        if page > pages:
            return self._not_found()
        chunk = listings[(page - 1) * LISTINGS_PER_PAGE : page * LISTINGS_PER_PAGE]
        rows = "".join(
            f'<li class="listing"><a class="listing-link" href="/classifieds/{cat_id}/{x["id"]}.html">{_e(x["title"])}</a>'
            f' <span class="price">{_e(x.get("price"))}</span> <span class="area">{_e(x.get("area"))}</span></li>'
            for x in chunk
        )
        body = f"<h1>{_e(category['name'])}</h1><ul class='listings'>{rows}</ul>" + _pager(
            f"/classifieds/{cat_id}/", page, pages
        )
        return self._html(_page(category["name"], body, "gbk"), "gbk")

    def _classifieds_listing(self, cat_id: str, lid: int) -> tuple[int, dict[str, str], bytes]:
        found = self.content.listings.get(lid)
        if found is None or found[0]["id"] != cat_id:
            return self._not_found()
        _, x = found
        body = (
            f'<div class="crumbs"><a href="/classifieds/">首页</a> &gt; <a href="/classifieds/{cat_id}/">{_e(found[0]["name"])}</a></div>'
            f'<div class="detail"><h1 class="title">{_e(x["title"])}</h1>'
            f'<dl class="info"><dt>价格</dt><dd class="price">{_e(x.get("price"))}</dd>'
            f'<dt>区域</dt><dd class="area">{_e(x.get("area"))}</dd>'
            f'<dt>联系人</dt><dd class="contact-name">{_e(x.get("contact_name"))}</dd>'
            f'<dt>联系方式</dt><dd class="contact">{_e(x.get("contact"))}</dd>'
            f'<dt>发布时间</dt><dd class="posted">{_e(x.get("posted"))}</dd></dl>'
            f'<div class="description">{_paragraphs(x.get("body", ""))}</div></div>'
        )
        return self._html(_page(x["title"], body, "gbk"), "gbk")

    # -- helpers --------------------------------------------------------------

    @staticmethod
    def _html(text: str, charset: str) -> tuple[int, dict[str, str], bytes]:
        return (
            200,
            {"Content-Type": f"text/html; charset={charset}"},
            text.encode(charset, "xmlcharrefreplace"),
        )

    @staticmethod
    def _text(text: str) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()

    @staticmethod
    def _not_found() -> tuple[int, dict[str, str], bytes]:
        return 404, {"Content-Type": "text/html; charset=utf-8"}, "<h1>404 页面不存在</h1>".encode()


def _int(value: str, default: int) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 10_000 else default


class _Handler(BaseHTTPRequestHandler):
    app: SandboxApp
    server_version = "sandbox/1.0"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        status, headers, body = self.app.handle(parts.path, parse_qs(parts.query))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class Sandbox:
    """The sandbox web on 127.0.0.1 in a background thread (`port=0` picks a free port)."""

    def __init__(self, *, port: int = 0, content: SandboxContent | None = None) -> None:
        self.content = content or SandboxContent.load()
        handler = type("Handler", (_Handler,), {"app": SandboxApp(self.content)})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Sandbox:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
