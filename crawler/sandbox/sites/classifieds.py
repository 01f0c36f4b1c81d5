"""`/classifieds/`: a 58-style classifieds site in GBK, declared in the Content-Type header
(and a <meta charset="gbk">).

URLs
  /classifieds/                    category index: `a.cat-link`
  /classifieds/{cat}/?page=N       listings, 8 per page: `li.listing` with
                                   `a.listing-link`, `span.price`, `span.area`;
                                   pager `a.next-page` / `a.prev-page`
  /classifieds/{cat}/{lid}.html    listing detail (the stored post URL)
  /classifieds/admin/              disallowed by robots.txt

Detail markup: `div.detail` with `h1.title`, `dl.info` (`dd.price`,
`dd.area`, `dd.contact-name`, `dd.contact`, `dd.posted` "YYYY-MM-DD") and
`div.description` (one <p> per line). Characters GBK lacks (emoji) are sent
as &#NNNN; references.
"""

from __future__ import annotations

import re

from crawler.sandbox.content import SandboxContent
from crawler.sandbox.web import Request, Response, esc, page, pager, pages_of, paragraphs

LISTINGS_PER_PAGE = 8


class ClassifiedsSite:
    def __init__(self, content: SandboxContent) -> None:
        self.content = content

    def handle(self, request: Request) -> Response | None:
        path = request.path
        page_no = request.int_arg("page", 1)
        if path == "/classifieds/":
            return self._index()
        if m := re.fullmatch(r"/classifieds/([a-z]+)/", path):
            return self._category(m.group(1), page_no)
        if m := re.fullmatch(r"/classifieds/([a-z]+)/(\d+)\.html", path):
            return self._listing(m.group(1), int(m.group(2)))
        return None

    def _index(self) -> Response:
        rows = "".join(
            f'<li><a class="cat-link" href="/classifieds/{c["id"]}/">{esc(c["name"])}</a></li>'
            for c, _ in self.content.classifieds_categories
        )
        name = self.content.classifieds_name
        return Response.html(page(name, f"<h1>{esc(name)}</h1><ul>{rows}</ul>", "gbk"), "gbk")

    def _category(self, cat_id: str, page_no: int) -> Response:
        found = next(
            ((c, xs) for c, xs in self.content.classifieds_categories if c["id"] == cat_id),
            None,
        )
        if found is None:
            return Response.not_found()
        category, listings = found
        pages = pages_of(len(listings), LISTINGS_PER_PAGE)
        if page_no > pages:
            return Response.not_found()
        chunk = listings[(page_no - 1) * LISTINGS_PER_PAGE : page_no * LISTINGS_PER_PAGE]
        rows = "".join(
            f'<li class="listing"><a class="listing-link" href="{x.post.path}">{esc(x.post.title)}</a>'
            f' <span class="price">{esc(x.price)}</span> <span class="area">{esc(x.area)}</span></li>'
            for x in chunk
        )
        body = f"<h1>{esc(category['name'])}</h1><ul class='listings'>{rows}</ul>" + pager(
            f"/classifieds/{cat_id}/", page_no, pages
        )
        return Response.html(page(category["name"], body, "gbk"), "gbk")

    def _listing(self, cat_id: str, lid: int) -> Response:
        x = self.content.listings.get(lid)
        if x is None or x.category_id != cat_id:
            return Response.not_found()
        p = x.post
        body = (
            f'<div class="crumbs"><a href="/classifieds/">首页</a> &gt; <a href="/classifieds/{cat_id}/">{esc(x.category_name)}</a></div>'
            f'<div class="detail"><h1 class="title">{esc(p.title)}</h1>'
            f'<dl class="info"><dt>价格</dt><dd class="price">{esc(x.price)}</dd>'
            f'<dt>区域</dt><dd class="area">{esc(x.area)}</dd>'
            f'<dt>联系人</dt><dd class="contact-name">{esc(x.contact_name)}</dd>'
            f'<dt>联系方式</dt><dd class="contact">{esc(x.contact)}</dd>'
            f'<dt>发布时间</dt><dd class="posted">{esc(p.posted)}</dd></dl>'
            f'<div class="description">{paragraphs(p.text)}</div></div>'
        )
        return Response.html(page(p.title, body, "gbk"), "gbk")
