"""`/blog/`: a news/blog site with RSS and Atom feeds, UTF-8 (header and <meta>).

URLs
  /blog/                 newest articles, 10 per page: `li.post-item` with
                         `a.post-link`, `time.published`; pager `a.next-page`
                         (to /blog/page/2 ...) and `a.prev-page`
  /blog/page/N           older pages (N >= 2)
  /blog/post/ID          an article (the stored post URL)
  /blog/rss.xml          RSS 2.0, the 20 newest articles: <item> with <title>,
                         <link> (absolute article URL), <guid isPermaLink="true">,
                         <pubDate> (RFC 822), <description> (a summary shorter
                         than the article), <author>
  /blog/atom.xml         Atom 1.0, the same 20 entries: <entry> with <title>,
                         <link rel="alternate" href>, <id> (the article URL),
                         <published>, <updated> (moves on when an article is
                         edited), <summary>, <author><name>

Older articles are only in the HTML index, as with real feeds.

Article markup: `article.post.h-entry` (`data-id`) with `h1.entry-title`,
`span.author`, `time.published` (`datetime` ISO 8601, +08:00) and
`div.entry-content` (one <p> per line). Article 105 carries a <script> and
<style> ad with jargon inside `div.entry-content` (a script trap); article 112
is slow. Each article links its neighbours (`a.prev-post`, `a.next-post`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape

from crawler.sandbox.content import SandboxContent
from crawler.sandbox.model import Article, Quirk
from crawler.sandbox.web import (
    SCRIPT_TRAP_HTML,
    Request,
    Response,
    SandboxState,
    esc,
    page,
    pages_of,
    paragraphs,
)

PER_PAGE = 10
FEED_SIZE = 20
CHINA = timezone(timedelta(hours=8))
EDITED_AT = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)
FEED_HEAD = (
    '<link rel="alternate" type="application/rss+xml" title="RSS" href="/blog/rss.xml">'
    '<link rel="alternate" type="application/atom+xml" title="Atom" href="/blog/atom.xml">'
)


def when(posted: str) -> datetime:
    return datetime.strptime(posted, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)


class BlogSite:
    def __init__(self, content: SandboxContent, state: SandboxState) -> None:
        self.content = content
        self.state = state
        self.newest_first = tuple(reversed(content.corpus.articles))

    def handle(self, request: Request) -> Response | None:
        path = request.path
        if path == "/blog/":
            return self._index(1)
        if m := re.fullmatch(r"/blog/page/(\d+)", path):
            return self._index(int(m.group(1))) if int(m.group(1)) >= 2 else Response.not_found()
        if m := re.fullmatch(r"/blog/post/(\d+)", path):
            article = self.content.articles.get(int(m.group(1)))
            return self._article(article) if article else Response.not_found()
        if path == "/blog/rss.xml":
            return self._rss(request.base)
        if path == "/blog/atom.xml":
            return self._atom(request.base)
        return None

    def _index(self, page_no: int) -> Response:
        pages = pages_of(len(self.newest_first), PER_PAGE)
        if page_no > pages:
            return Response.not_found()
        chunk = self.newest_first[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
        rows = "".join(
            f'<li class="post-item"><a class="post-link" href="{a.post.path}">{esc(a.post.title)}</a> '
            f'<time class="published" datetime="{when(a.post.posted).isoformat()}">'
            f"{esc(a.post.posted[:10])}</time></li>"
            for a in chunk
        )
        pager = []
        if page_no > 1:
            prev = "/blog/" if page_no == 2 else f"/blog/page/{page_no - 1}"
            pager.append(f'<a class="prev-page" href="{prev}">较新的文章</a>')
        if page_no < pages:
            pager.append(f'<a class="next-page" href="/blog/page/{page_no + 1}">较早的文章</a>')
        body = (
            f'<h1>江城观察</h1><ul class="post-list">{rows}</ul>'
            f'<nav class="pager">{" ".join(pager)}</nav>'
        )
        return Response.html(page("江城观察", body, "utf-8", head=FEED_HEAD), "utf-8")

    def _updated(self, a: Article) -> datetime:
        if self.state.edition >= 2 and a.post.edited_text is not None:
            return EDITED_AT
        return when(a.post.posted)

    def _article(self, a: Article) -> Response:
        p = a.post
        articles = self.content.corpus.articles
        n = articles.index(a)
        nav = []
        if n > 0:
            nav.append(f'<a class="prev-post" href="{articles[n - 1].post.path}">上一篇</a>')
        if n + 1 < len(articles):
            nav.append(f'<a class="next-post" href="{articles[n + 1].post.path}">下一篇</a>')
        trap = (
            f'<div class="ad-slot">{SCRIPT_TRAP_HTML}</div>'
            if Quirk.SCRIPT_TRAP in p.quirks
            else ""
        )
        updated = self._updated(a)
        updated_html = (
            f' <time class="updated" datetime="{updated.isoformat()}">更新于 {updated:%Y-%m-%d}</time>'
            if updated != when(p.posted)
            else ""
        )
        body = (
            '<header><a href="/blog/">江城观察</a></header>'
            f'<article class="post h-entry" data-id="{a.id}">'
            f'<h1 class="entry-title">{esc(p.title)}</h1>'
            f'<div class="entry-meta"><span class="author">{esc(p.author)}</span> '
            f'<time class="published" datetime="{when(p.posted).isoformat()}">{esc(p.posted)}</time>'
            f"{updated_html}</div>"
            f'<div class="entry-content">{paragraphs(p.text_at(self.state.edition))}{trap}</div>'
            f'</article><nav class="post-nav">{" ".join(nav)}</nav>'
        )
        response = Response.html(
            page(f"{p.title} - 江城观察", body, "utf-8", head=FEED_HEAD), "utf-8"
        )
        if Quirk.SLOW in a.quirks:
            response.delay = self.state.slow_seconds
        return response

    def _rss(self, base: str) -> Response:
        items = "".join(
            "<item>"
            f"<title>{xml_escape(a.post.title)}</title>"
            f"<link>{base}{a.post.path}</link>"
            f'<guid isPermaLink="true">{base}{a.post.path}</guid>'
            f"<pubDate>{format_datetime(when(a.post.posted))}</pubDate>"
            f"<author>{xml_escape(a.post.author)}</author>"
            f"<description>{xml_escape(a.summary)}</description>"
            "</item>"
            for a in self.newest_first[:FEED_SIZE]
        )
        return Response.xml(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>江城观察</title><link>{base}/blog/</link>"
            "<description>江城本地新闻与随笔</description><language>zh-cn</language>"
            f"{items}</channel></rss>",
            "application/rss+xml",
        )

    def _atom(self, base: str) -> Response:
        feed = self.newest_first[:FEED_SIZE]
        updated = max(self._updated(a) for a in feed)
        entries = "".join(
            "<entry>"
            f"<title>{xml_escape(a.post.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{base}{a.post.path}"/>'
            f"<id>{base}{a.post.path}</id>"
            f"<published>{when(a.post.posted).isoformat()}</published>"
            f"<updated>{self._updated(a).isoformat()}</updated>"
            f"<author><name>{xml_escape(a.post.author)}</name></author>"
            f'<summary type="text">{xml_escape(a.summary)}</summary>'
            "</entry>"
            for a in feed
        )
        return Response.xml(
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>江城观察</title>'
            f'<link rel="self" href="{base}/blog/atom.xml"/><link href="{base}/blog/"/>'
            f"<id>{base}/blog/</id><updated>{updated.isoformat()}</updated>{entries}</feed>",
            "application/atom+xml",
        )
