"""`/qa/`: a Zhidao-style question-and-answer site in GBK with NO declaration at all:
the Content-Type header is plain `text/html` and there is no <meta charset>.

Rate-limited: more than `limit` requests to /qa/ (default 4) within any
`window` seconds (default 1) from one client IP answer
`429 Too Many Requests` with `Retry-After: 1` (seconds; more for longer
windows). Only served requests count, so a client that waits is served.

URLs
  /qa/                         home: `a.list-link` to the list, link to the sitemap
  /qa/list?page=N              questions, 5 per page, newest last: `div.question-item`
                               with `a.question-link`, `span.answer-count`,
                               `time.ask-time`; pager `a.page-next` / `a.page-prev`
  /qa/question/ID              the question and all its answers (no pagination)
  /qa/sitemap.xml              sitemap 0.9 (UTF-8 XML): one <url><loc> per question
                               with <lastmod> (moved on for questions edited at
                               edition 2), including one deleted question (404)

Question page markup: `div.question` (`data-qid`) with `h1.question-title`,
`div.question-detail` (one <p> per line), `span.asker`, `time.ask-time`
(`datetime`); then one `div.answer` per answer with `id="answer-{aid}"`,
`data-aid`, `div.answer-author`, `div.answer-content` (one <p> per line) and
`time.answer-time`. The question (title + detail) is stored as
/qa/question/ID, each answer as /qa/question/ID#answer-{aid}.
"""

from __future__ import annotations

import re

from crawler.sandbox.content import SandboxContent
from crawler.sandbox.model import Question
from crawler.sandbox.ratelimit import SlidingWindowLimit
from crawler.sandbox.web import (
    Request,
    Response,
    SandboxState,
    esc,
    page,
    pages_of,
    paragraphs,
)

CHARSET = "gbk"
QUESTIONS_PER_PAGE = 5
EDITED_AT = "2026-11-24 10:00"  # sitemap <lastmod> of questions edited at edition 2


def _has_edits(q: Question) -> bool:
    return any(p.edited_text is not None for p in (q.post, *q.answers))


def iso(posted: str) -> str:
    """'YYYY-MM-DD HH:MM' as a W3C datetime in China time."""
    return posted.replace(" ", "T") + ":00+08:00"


class QaSite:
    def __init__(
        self, content: SandboxContent, state: SandboxState, *, limit: SlidingWindowLimit | None
    ) -> None:
        self.content = content
        self.state = state
        self.limit = limit
        self.questions = content.corpus.questions

    def handle(self, request: Request) -> Response | None:
        if not request.path.startswith("/qa/"):
            return None
        if self.limit is not None:
            wait = self.limit.retry_after(request.client)
            if wait is not None:
                response = Response.text(
                    "429 Too Many Requests: 访问过于频繁，请稍后再试", status=429
                )
                response.headers["Retry-After"] = str(wait)
                return response
        path = request.path
        if path == "/qa/":
            body = (
                '<h1>沙盒问答</h1><p><a class="list-link" href="/qa/list?page=1">全部问题</a> '
                '<a href="/qa/sitemap.xml">网站地图</a></p>'
            )
            return self._html("沙盒问答", body)
        if path == "/qa/list":
            return self._list(request.int_arg("page", 1))
        if m := re.fullmatch(r"/qa/question/(\d+)", path):
            question = self.content.questions.get(int(m.group(1)))
            return self._question(question) if question else Response.not_found()
        if path == "/qa/sitemap.xml":
            return self._sitemap(request.base)
        return Response.not_found()

    def _html(self, title: str, body: str) -> Response:
        return Response.html(page(title, body, ""), CHARSET, declare_in_header=False)

    def _list(self, page_no: int) -> Response:
        pages = pages_of(len(self.questions), QUESTIONS_PER_PAGE)
        if page_no > pages:
            return Response.not_found()
        start = (page_no - 1) * QUESTIONS_PER_PAGE
        rows = "".join(
            f'<div class="question-item"><a class="question-link" href="{q.post.path}">'
            f'{esc(q.post.title)}</a> <span class="answer-count">{len(q.answers)} 个回答</span> '
            f'<time class="ask-time" datetime="{iso(q.post.posted)}">{esc(q.post.posted)}</time></div>'
            for q in self.questions[start : start + QUESTIONS_PER_PAGE]
        )
        pager = []
        if page_no > 1:
            pager.append(f'<a class="page-prev" href="/qa/list?page={page_no - 1}">上一页</a>')
        if page_no < pages:
            pager.append(f'<a class="page-next" href="/qa/list?page={page_no + 1}">下一页</a>')
        body = f'<h1>全部问题</h1><div class="question-list">{rows}</div><div class="pager">{" ".join(pager)}</div>'
        return self._html(f"全部问题 第{page_no}页 - 沙盒问答", body)

    def _question(self, q: Question) -> Response:
        edition = self.state.edition
        p = q.post
        answers = "".join(
            f'<div class="answer" id="answer-{a.id}" data-aid="{a.id}">'
            f'<div class="answer-author">{esc(a.author)}</div>'
            f'<div class="answer-content">{paragraphs(a.text_at(edition))}</div>'
            f'<time class="answer-time" datetime="{iso(a.posted)}">{esc(a.posted)}</time> '
            f'<span class="votes">赞同 {a.id % 17}</span></div>'
            for a in q.answers
        )
        body = (
            '<div class="crumbs"><a href="/qa/">沙盒问答</a> &gt; <a href="/qa/list?page=1">全部问题</a></div>'
            f'<div class="question" id="question-{q.id}" data-qid="{q.id}">'
            f'<h1 class="question-title">{esc(p.title)}</h1>'
            f'<div class="question-detail">{paragraphs(p.text_at(edition))}</div>'
            f'<div class="question-meta"><span class="asker">{esc(p.author)}</span> 提问于 '
            f'<time class="ask-time" datetime="{iso(p.posted)}">{esc(p.posted)}</time></div></div>'
            f'<div class="answers"><h2>{len(q.answers)} 个回答</h2>{answers}</div>'
        )
        return self._html(f"{p.title} - 沙盒问答", body)

    def _sitemap(self, base: str) -> Response:
        edited = self.state.edition >= 2
        entries = [
            (q.post.path, EDITED_AT if edited and _has_edits(q) else q.post.posted)
            for q in self.questions
        ]
        deleted = self.content.corpus.qa_deleted_id
        entries.insert(len(entries) // 2, (f"/qa/question/{deleted}", "2026-11-09 12:00"))
        urls = "".join(
            f"<url><loc>{base}{path}</loc><lastmod>{iso(posted)}</lastmod></url>"
            for path, posted in entries
        )
        return Response.xml(
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
            "application/xml",
        )
