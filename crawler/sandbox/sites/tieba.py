"""`/tieba/`: a Baidu Tieba-style bar, GB18030 declared only in `<meta charset="gb18030">`
(the Content-Type header is plain `text/html`).

URLs
  /tieba/                      bar index: `a.bar-link` per bar
  /tieba/f?kw=NAME&pn=N        bar thread list. `kw` is the bar name,
                               percent-encoded UTF-8 (as Tieba's `ie=utf-8`);
                               `pn` is an OFFSET in threads (0, 5, 10, ...),
                               5 rows per page, like real Tieba's list.
                               Rows: `li.j_thread_list` (`data-tid`) with
                               `a.j_th_tit` (href /tieba/p/ID), `span.threadlist_rep_num`,
                               `span.tb_icon_author`. Pager: `a.next.pagination-item`
                               (text 下一页>) and `a.pre.pagination-item`.
  /tieba/p/ID?pn=N             thread, 5 floors per page; `pn` is the PAGE number
                               from 1. Pager `li.l_pager`: plain <a> elements whose
                               text is 下一页 / 上一页 / 尾页 (no class, as on Tieba).
  /tieba/private/p/ID          members-only thread, disallowed by robots.txt but
                               linked from the 江城 bar list like any thread

Thread markup: `h3.core_title_txt` (title, also in its `title` attribute);
one `div.l_post` per floor with `id="post-{pid}"` and a `data-field`
attribute holding JSON:
  {"author": {"user_id": int, "user_name": str},
   "content": {"post_id": pid, "thread_id": ID, "post_no": floor, "date": "YYYY-MM-DD HH:MM"}}
Author name in `a.p_author_name`; text in `div.d_post_content`
(`id="post_content_{pid}"`, lines separated by <br>); `span.tail-info`
holds "N楼" and the time. Floor 1 is the thread's post (stored as
/tieba/p/ID), later floors are replies stored as /tieba/p/ID#post-{pid}.

Nuisances: thread 9102's markup is malformed (unclosed <li>/<ul>/<font>/<span>,
stray </font></span></p></td></tr>, unquoted attributes); 9103's first floor
carries a <script>/<style> with jargon inside its text div; 9110 is slow;
9114 answers 500 on every request; the private thread is robots-blocked.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from crawler.sandbox.content import SandboxContent
from crawler.sandbox.model import Board, Post, Quirk, Thread
from crawler.sandbox.web import (
    SCRIPT_TRAP_HTML,
    Request,
    Response,
    SandboxState,
    br_lines,
    esc,
    page,
    pages_of,
)

CHARSET = "gb18030"
THREADS_PER_PAGE = 5
FLOORS_PER_PAGE = 5
PRIVATE_PREFIX = "/tieba/private/"


def bar_url(kw: str, pn: int = 0) -> str:
    return f"/tieba/f?kw={quote(kw)}" + (f"&amp;pn={pn}" if pn else "")


class TiebaSite:
    def __init__(self, content: SandboxContent, state: SandboxState) -> None:
        self.content = content
        self.state = state
        self.bars = {bar.name: bar for bar in content.corpus.tieba_bars}
        self.private = content.corpus.tieba_private
        first = content.corpus.tieba_bars[0]
        self.bar_of = {t.id: bar for bar in content.corpus.tieba_bars for t in bar.threads}
        self.bar_of[self.private.id] = first

    def handle(self, request: Request) -> Response | None:
        path = request.path
        if path == "/tieba/":
            return self._index()
        if path == "/tieba/f":
            bar = self.bars.get(request.arg("kw"))
            if bar is None:
                return Response.not_found()
            return self._bar(bar, request.int_arg("pn", 0, minimum=0))
        if m := re.fullmatch(r"/tieba/p/(\d+)", path):
            thread = self.content.tieba_threads.get(int(m.group(1)))
            if thread is None:
                return Response.not_found()
            return self._thread(thread, request.int_arg("pn", 1), path)
        if path == f"{PRIVATE_PREFIX}p/{self.private.id}":
            return self._thread(self.private, request.int_arg("pn", 1), path)
        return None

    def _html(self, title: str, body: str) -> Response:
        return Response.html(page(title, body, CHARSET), CHARSET, declare_in_header=False)

    def _index(self) -> Response:
        rows = "".join(
            f'<li><a class="bar-link" href="{bar_url(b.name)}">{esc(b.name)}吧</a> '
            f"<span>{len(b.threads)} 个主题</span></li>"
            for b in self.bars.values()
        )
        return self._html("沙盒贴吧", f"<h1>沙盒贴吧</h1><ul class='bars'>{rows}</ul>")

    def _bar(self, bar: Board, pn: int) -> Response:
        threads = list(bar.threads)
        if self.bar_of[self.private.id] is bar:  # the members-only thread is listed like any
            threads.insert(2, self.private)
        if pn >= len(threads):
            return Response.not_found()
        rows = []
        for t in threads[pn : pn + THREADS_PER_PAGE]:
            href = f"{PRIVATE_PREFIX}p/{t.id}" if Quirk.BLOCKED in t.quirks else f"/tieba/p/{t.id}"
            rows.append(
                f'<li class="j_thread_list clearfix" data-tid="{t.id}">'
                f'<span class="threadlist_rep_num" title="回复">{len(t.posts) - 1}</span>'
                f'<div class="threadlist_title"><a class="j_th_tit" href="{href}" '
                f'title="{esc(t.title)}">{esc(t.title)}</a></div>'
                f'<span class="tb_icon_author" title="主题作者: {esc(t.opener.author)}">'
                f"{esc(t.opener.author)}</span></li>"
            )
        pager = []
        if pn > 0:
            prev = max(0, pn - THREADS_PER_PAGE)
            pager.append(
                f'<a class="pre pagination-item" href="{bar_url(bar.name, prev)}">&lt;上一页</a>'
            )
        if pn + THREADS_PER_PAGE < len(threads):
            nxt = pn + THREADS_PER_PAGE
            pager.append(
                f'<a class="next pagination-item" href="{bar_url(bar.name, nxt)}">下一页&gt;</a>'
            )
        body = (
            f'<div class="card_title"><a class="card_title_fname" href="{bar_url(bar.name)}">'
            f"{esc(bar.name)}吧</a></div>"
            f'<ul id="thread_list" class="threadlist_bright">{"".join(rows)}</ul>'
            f'<div id="frs_list_pager" class="pagination-default">{"".join(pager)}</div>'
        )
        return self._html(f"{bar.name}吧-沙盒贴吧", body)

    def _floor(self, thread: Thread, n: int, post: Post, malformed: bool) -> str:
        field = {
            "author": {"user_id": 80_000_000 + post.id % 977 * 131, "user_name": post.author},
            "content": {
                "post_id": post.id,
                "thread_id": thread.id,
                "post_no": n,
                "date": post.posted,
            },
        }
        data = esc(json.dumps(field, ensure_ascii=False))
        text = br_lines(post.text_at(self.state.edition))
        trap = SCRIPT_TRAP_HTML if Quirk.SCRIPT_TRAP in post.quirks else ""
        head = (
            f'<div class="l_post j_l_post l_post_bright" id="post-{post.id}" data-field="{data}">'
        )
        if malformed:
            return (
                head + '<div class="d_author"><ul class="p_author"><li class="d_name">'
                f'<a class="p_author_name j_user_card">{esc(post.author)}</a></div>'
                '<div class="d_post_content_main"><div class="p_content"><cc>'
                f'<div id=post_content_{post.id} class="d_post_content j_d_post_content">'
                f"<font color=#333>{text}{trap}</div></cc></font></span></div></div>"
                f'<div class="core_reply"><span class="tail-info">{n}楼'
                f'<span class="tail-info">{esc(post.posted)}</span></p></td></tr></div></div>'
            )
        return (
            head + '<div class="d_author"><ul class="p_author"><li class="d_name">'
            f'<a class="p_author_name j_user_card">{esc(post.author)}</a></li></ul></div>'
            '<div class="d_post_content_main"><div class="p_content"><cc>'
            f'<div id="post_content_{post.id}" class="d_post_content j_d_post_content">'
            f"{text}{trap}</div></cc></div></div>"
            f'<div class="core_reply"><div class="post-tail-wrap"><span class="tail-info">{n}楼</span>'
            f'<span class="tail-info">{esc(post.posted)}</span></div></div></div>'
        )

    def _thread(self, thread: Thread, pn: int, path: str) -> Response:
        if Quirk.ALWAYS_500 in thread.quirks:
            return Response.server_error()
        pages = pages_of(len(thread.posts), FLOORS_PER_PAGE)
        if pn > pages:
            return Response.not_found()
        start = (pn - 1) * FLOORS_PER_PAGE
        malformed = Quirk.MALFORMED in thread.quirks
        floors = "".join(
            self._floor(thread, n, post, malformed)
            for n, post in enumerate(thread.posts[start : start + FLOORS_PER_PAGE], start=start + 1)
        )
        links = []
        if pn > 1:
            links.append(f'<a href="{path}?pn={pn - 1}">上一页</a>')
        links.append(f'<span class="tP">{pn}</span>')
        if pn < pages:
            links.append(f'<a href="{path}?pn={pn + 1}">下一页</a>')
            links.append(f'<a href="{path}?pn={pages}">尾页</a>')
        bar = self.bar_of[thread.id]
        body = (
            f'<div class="card_title"><a class="card_title_fname" href="{bar_url(bar.name)}">'
            f"{esc(bar.name)}吧</a></div>"
            f'<h3 class="core_title_txt pull-left text-overflow" title="{esc(thread.title)}">'
            f"{esc(thread.title)}</h3>"
            + ("<table><tr><td>" if malformed else "")
            + f'<div class="p_postlist" id="j_p_postlist">{floors}</div>'
            + f'<ul class="l_posts_num"><li class="l_pager pager_theme_4">{"".join(links)}</li>'
            + f'<li class="l_reply_num">{len(thread.posts) - 1}回复贴，共{pages}页</li></ul>'
        )
        response = self._html(f"{thread.title}_{bar.name}吧_沙盒贴吧", body)
        if Quirk.SLOW in thread.quirks:
            response.delay = self.state.slow_seconds
        return response
