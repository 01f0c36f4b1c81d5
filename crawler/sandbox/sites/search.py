"""`/forum/search?q=TERM&page=N`: the forum's full-text search (Discuz! "搜索帖子"), UTF-8.

A floor matches when its thread title (floor 1 only) or its current text
contains TERM after case folding (`str.casefold`, so "DY" finds "dy").
Results are the matching floors in board and floor order, 10 per page; each
links the thread page that shows the floor (`/forum/thread/{tid}` or
`?page=N`), so a crawler reads the post with the forum's own page rules.

Markup: `p.result-stats` ("共 N 条结果"); `ol.results` with one `li.result`
per floor: `a.result-link` (href as above), `span.result-board` and
`p.snippet`; pager `a.next-page` / `a.prev-page` (?q=...&page=N). An empty
`q` shows the form only; a page past the last answers 404.
"""

from __future__ import annotations

from urllib.parse import quote

from crawler.sandbox.content import SandboxContent
from crawler.sandbox.model import Post
from crawler.sandbox.sites.forum import FLOORS_PER_PAGE
from crawler.sandbox.web import Request, Response, SandboxState, esc, page, pages_of

PER_PAGE = 10
PATH = "/forum/search"


class SearchSite:
    def __init__(self, content: SandboxContent, state: SandboxState) -> None:
        self.content = content
        self.state = state
        # (post, board name, href of the page showing it)
        self.floors: list[tuple[Post, str, str]] = []
        for board in content.forum_boards:
            for thread in board.threads:
                if not all(p.expected for p in thread.posts):
                    continue
                for n, post in enumerate(thread.posts, start=1):
                    page_no = (n - 1) // FLOORS_PER_PAGE + 1
                    href = f"/forum/thread/{thread.id}" + (
                        f"?page={page_no}" if page_no > 1 else ""
                    )
                    self.floors.append((post, board.name, href))
        self._folded: dict[int, list[str]] = {}

    def handle(self, request: Request) -> Response | None:
        if request.path != PATH:
            return None
        term = request.arg("q").strip()
        page_no = request.int_arg("page", 1)
        form = (
            f'<form class="search" action="{PATH}" method="get">'
            f'<input name="q" value="{esc(term)}"><button>搜索</button></form>'
        )
        if not term:
            return Response.html(page("站内搜索", form, "utf-8"), "utf-8")
        hits = self.search(term)
        pages = pages_of(len(hits), PER_PAGE)
        if page_no > pages:
            return Response.not_found()
        rows = "".join(
            f'<li class="result"><a class="result-link" href="{href}">'
            f'{esc(self._label(post))}</a> <span class="result-board">{esc(board)}</span>'
            f'<p class="snippet">{esc(self._snippet(post, term))}</p></li>'
            for post, board, href in hits[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
        )
        q = quote(term)
        pager = []
        if page_no > 1:
            pager.append(
                f'<a class="prev-page" href="{PATH}?q={q}&amp;page={page_no - 1}">上一页</a>'
            )
        if page_no < pages:
            pager.append(
                f'<a class="next-page" href="{PATH}?q={q}&amp;page={page_no + 1}">下一页</a>'
            )
        body = (
            f'{form}<p class="result-stats">共 {len(hits)} 条结果</p>'
            f'<ol class="results">{rows}</ol><div class="pager">{" ".join(pager)}</div>'
        )
        return Response.html(page(f"{term} - 站内搜索", body, "utf-8"), "utf-8")

    def search(self, term: str) -> list[tuple[Post, str, str]]:
        """(post, board name, page href) of the floors whose title or current text holds `term`."""
        edition = self.state.edition
        folded = self._folded.get(edition)
        if folded is None:
            folded = [f"{p.title}\n{p.text_at(edition)}".casefold() for p, _, _ in self.floors]
            self._folded[edition] = folded
        needle = term.casefold()
        return [hit for hit, text in zip(self.floors, folded, strict=True) if needle in text]

    def _label(self, post: Post) -> str:
        return post.title or post.text_at(self.state.edition).strip()[:30]

    def _snippet(self, post: Post, term: str) -> str:
        text = " ".join(post.text_at(self.state.edition).split())
        at = max(0, text.casefold().find(term.casefold()) - 20)
        return ("…" if at else "") + text[at : at + 80]
