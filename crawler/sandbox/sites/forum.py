"""`/forum/`: a Discuz!-style forum, UTF-8 (declared in the header and a <meta>).

URLs
  /forum/                          board index: `a.board-link` per board
  /forum/board/{bid}?page=N        thread list, 10 per page: rows `tr` with
                                   `a.thread-link`, `td.author`, reply count;
                                   pager `a.next-page` / `a.prev-page` (?page=N)
  /forum/thread/{tid}?page=N       thread page, 5 floors per page
  /forum/thread/{tid}/print        print view of a 杂谈 thread: every floor on one page, the
                                   same floor markup, `<link rel="canonical">` to the thread
  /forum/viewthread.php?tid=N      old-style URL: 301 to /forum/thread/N
  /forum/redirect.php?tid=N        302 to /forum/goto/N, which 302s to /forum/thread/N
  /forum/attachment/{n}            "image" attachment: PNG bytes served as text/html
  /forum/archive/all.html          the 50 MB archive page (no posts), sent in chunks
  /forum/admin/...                 disallowed by robots.txt (403 if asked anyway)
  /forum/search?q=TERM             site search (`search.py`)

Thread page markup: `h1.thread-title`; one `div.floor` per post with
`id="pid{tid}-{n}"` (the stored URL's fragment, n = floor number from 1) and
`data-floor="{n}"`; inside, `span.floor-author`, `time.floor-time`
(`datetime` attribute "YYYY-MM-DD HH:MM"), `em.floor-no` and `div.floor-body`
(one <p> per line). Floor 1 is the thread's post (stored as
/forum/thread/{tid}), later floors are replies (stored with #pid{tid}-{n}).

Boards 1-5 are the hand-written content and stay byte-for-byte as they
were. Board 9 (江城杂谈) holds corpus-fed threads with the nuisances:
pages with `<link rel="canonical">` and an `a.print-link` to the print view,
rows (all `a.thread-link`) linking an old-style 301 URL, a two-hop 302
chain, a deleted thread (404), a thread that fails once (500, then 200), a
slow one, a truncated page, a script trap in a floor body, a row repeated
with `?from=board`, a "thread" that answers PNG bytes as text/html, a
moderation page under robots.txt's Disallow and the 50 MB archive; one
floor links an `a.attachment` (binary bytes as text/html too).
"""

from __future__ import annotations

import re

from crawler.sandbox.content import SandboxContent
from crawler.sandbox.model import Post, Quirk, Thread
from crawler.sandbox.sites.blobs import big_page, png_bytes
from crawler.sandbox.web import (
    SCRIPT_TRAP_HTML,
    Request,
    Response,
    SandboxState,
    esc,
    page,
    pager,
    pages_of,
    paragraphs,
)

THREADS_PER_PAGE = 10
FLOORS_PER_PAGE = 5
ARCHIVE_PATH = "/forum/archive/all.html"
ADMIN_PREFIX = "/forum/admin/"


class ForumSite:
    def __init__(
        self, content: SandboxContent, state: SandboxState, *, big_page_bytes: int
    ) -> None:
        self.content = content
        self.state = state
        self.big_page_bytes = big_page_bytes
        self.deleted_tid = content.corpus.forum_deleted_tid
        self.binary_tid = content.corpus.forum_binary_tid

    def handle(self, request: Request) -> Response | None:
        path = request.path
        page_no = request.int_arg("page", 1)
        if path == "/forum/":
            return self._index()
        if m := re.fullmatch(r"/forum/board/(\d+)", path):
            return self._board(int(m.group(1)), page_no)
        if m := re.fullmatch(r"/forum/thread/(\d+)", path):
            if int(m.group(1)) == self.binary_tid:
                return Response(200, {"Content-Type": "text/html"}, png_bytes(self.binary_tid))
            return self._thread(int(m.group(1)), page_no)
        if m := re.fullmatch(r"/forum/thread/(\d+)/print", path):
            return self._print(int(m.group(1)))
        if path == "/forum/viewthread.php" and request.arg("tid").isdigit():
            return Response.redirect(
                f"{request.base}/forum/thread/{int(request.arg('tid'))}", status=301
            )
        if path == "/forum/redirect.php" and request.arg("tid").isdigit():
            return Response.redirect(f"/forum/goto/{int(request.arg('tid'))}", status=302)
        if m := re.fullmatch(r"/forum/goto/(\d+)", path):
            return Response.redirect(f"/forum/thread/{m.group(1)}", status=302)
        if m := re.fullmatch(r"/forum/attachment/(\d+)", path):
            return Response(200, {"Content-Type": "text/html"}, png_bytes(int(m.group(1))))
        if path == ARCHIVE_PATH:
            return Response(
                200, {"Content-Type": "text/html; charset=utf-8"}, big_page(self.big_page_bytes)
            )
        if path.startswith(ADMIN_PREFIX):
            return Response.forbidden()
        return None

    def _index(self) -> Response:
        rows = "".join(
            f'<li><a class="board-link" href="/forum/board/{b.id}">{esc(b.name)}</a> '
            f'<span class="count">{len(b.threads)} 主题</span></li>'
            for b in self.content.forum_boards
        )
        name = self.content.forum_name
        body = f"<h1>{esc(name)}</h1><ul class='boards'>{rows}</ul>"
        return Response.html(page(name, body, "utf-8"), "utf-8")

    def _rows(self, threads: tuple[Thread, ...]) -> list[tuple[str, Thread | None, str]]:
        """(href, thread, title) per list row; the 杂谈 board adds its nuisance rows."""
        rows: list[tuple[str, Thread | None, str]] = []
        for t in threads:
            href = f"/forum/thread/{t.id}"
            if Quirk.LINK_301 in t.quirks:
                href = f"/forum/viewthread.php?tid={t.id}"
            elif Quirk.LINK_302 in t.quirks:
                href = f"/forum/redirect.php?tid={t.id}&amp;goto=lastpost"
            rows.append((href, t, t.title))
            if Quirk.DUP_LINK in t.quirks:
                rows.append((f"{href}?from=board", t, "【热帖】" + t.title))
            if Quirk.TRANSIENT_500 in t.quirks:
                rows.append((f"/forum/thread/{self.deleted_tid}", None, "该主题已被删除"))
            if Quirk.ATTACHMENT in t.quirks:
                rows.append((f"/forum/thread/{self.binary_tid}", None, "【图】随手拍"))
        if any(Quirk.PRINT_VIEW in t.quirks for t in threads):
            rows.append((f"{ADMIN_PREFIX}pending.php?fid=9", None, "【待审核】新人帖子"))
            rows.append((ARCHIVE_PATH, None, "【存档】本版全部帖子合集（超大页面）"))
        return rows

    def _board(self, board_id: int, page_no: int) -> Response:
        board = next((b for b in self.content.forum_boards if b.id == board_id), None)
        if board is None:
            return Response.not_found()
        rows = self._rows(board.threads)
        pages = pages_of(len(rows), THREADS_PER_PAGE)
        if page_no > pages:
            return Response.not_found()
        chunk = rows[(page_no - 1) * THREADS_PER_PAGE : page_no * THREADS_PER_PAGE]
        html_rows = "".join(
            f'<tr><td><a class="thread-link" href="{href}">{esc(title)}</a></td>'
            f'<td class="author">{esc(t.opener.author if t else "")}</td>'
            f"<td>{len(t.posts) - 1 if t else 0}</td></tr>"
            for href, t, title in chunk
        )
        body = (
            f'<div class="crumbs"><a href="/forum/">首页</a> &gt; {esc(board.name)}</div>'
            f"<h1>{esc(board.name)}</h1><table class='threads'>{html_rows}</table>"
            + pager(f"/forum/board/{board_id}", page_no, pages)
        )
        return Response.html(page(board.name, body, "utf-8"), "utf-8")

    def _floor(self, tid: int, n: int, post: Post, thread: Thread) -> str:
        extra = SCRIPT_TRAP_HTML if Quirk.SCRIPT_TRAP in post.quirks else ""
        attach = ""
        if n == 1 and Quirk.ATTACHMENT in thread.quirks:
            attach = (
                f'<div class="attach"><a class="attachment" href="/forum/attachment/{tid}01">'
                f"IMG_{tid}.png</a> (182 KB)</div>"
            )
        return (
            f'<div class="floor" id="pid{tid}-{n}" data-floor="{n}">'
            f'<div class="floor-head"><span class="floor-author">{esc(post.author)}</span> '
            f'<time class="floor-time" datetime="{esc(post.posted)}">发表于 {esc(post.posted)}</time> '
            f'<em class="floor-no">{n}#</em></div>'
            f'<div class="floor-body">{paragraphs(post.text_at(self.state.edition))}{extra}</div>'
            f"{attach}</div>"
        )

    def _thread(self, tid: int, page_no: int) -> Response:
        thread = self.content.threads.get(tid)
        if thread is None:
            return Response.not_found()
        if Quirk.ALWAYS_500 in thread.quirks:
            return Response.server_error()
        if Quirk.TRANSIENT_500 in thread.quirks and self.state.first_request(f"forum:{tid}"):
            return Response.server_error()
        floors = thread.posts
        pages = pages_of(len(floors), FLOORS_PER_PAGE)
        if page_no > pages:
            return Response.not_found()
        start = (page_no - 1) * FLOORS_PER_PAGE
        html_floors = [
            self._floor(tid, n, floor, thread)
            for n, floor in enumerate(floors[start : start + FLOORS_PER_PAGE], start=start + 1)
        ]
        footer = '<div class="footer"><a href="/forum/admin/">管理</a></div>'
        head = ""
        if Quirk.PRINT_VIEW in thread.quirks:
            footer = (
                f'<div class="footer"><a class="print-link" href="/forum/thread/{tid}/print">打印本页</a>'
                ' <a href="/forum/admin/">管理</a></div>'
            )
            head = f'<link rel="canonical" href="/forum/thread/{tid}">'
        body = (
            '<div class="crumbs"><a href="/forum/">首页</a></div>'
            f'<h1 class="thread-title">{esc(thread.title)}</h1>'
            + "".join(html_floors)
            + pager(f"/forum/thread/{tid}", page_no, pages)
            + footer
        )
        markup = page(thread.title, body, "utf-8", head=head)
        if Quirk.TRUNCATED in thread.quirks:
            # cut inside the tag that follows the last floor, as a dropped connection would
            markup = markup[: markup.index('<div class="pager">') + len('<div class="pag')]
        response = Response.html(markup, "utf-8")
        if Quirk.SLOW in thread.quirks:
            response.delay = self.state.slow_seconds
        return response

    def _print(self, tid: int) -> Response:
        thread = self.content.threads.get(tid)
        if thread is None or Quirk.PRINT_VIEW not in thread.quirks:
            return Response.not_found()
        floors = "".join(
            self._floor(tid, n, post, thread) for n, post in enumerate(thread.posts, start=1)
        )
        body = (
            f'<div class="print-view"><h1 class="thread-title">{esc(thread.title)}</h1>'
            f"{floors}</div>"
        )
        head = f'<link rel="canonical" href="/forum/thread/{tid}">'
        return Response.html(page(f"{thread.title} - 打印版", body, "utf-8", head=head), "utf-8")
