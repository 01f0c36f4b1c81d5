"""The config-driven spider: everything about a site comes from its YAML file.

One spider reads every site shape the configs describe:

* HTML pages: `pages` rules pick posts (floors of a thread, a listing) with
  CSS/XPath selectors; `follow` selectors pick the links to crawl;
* feeds and sitemaps (RSS, Atom, sitemap, sitemap index): their entries
  are followed and read with the page rules;
* a JSON API (`api`): posts and the next cursor by JMESPath, replies from a
  per-post URL;
* keyword patrol (`search`): the site's search endpoint queried with the
  lexicon's search terms, result links read with the page rules.

Every response becomes one `CapturedPage` (possibly without posts), yielded
after the requests it leads to, so that the frontier marks a request done
only when its page and its links are safely recorded.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import jmespath
import scrapy
from lxml import etree
from parsel import Selector as ParselSelector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom
from w3lib.html import replace_entities

from crawler.config import ApiPosts, PageRule, Selector, SiteConfig, compiled_xpath
from crawler.items import CapturedPage

_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_BR = re.compile(r"<\s*br\s*/?\s*>|</\s*p\s*>", re.IGNORECASE)
# Text of an element without what browsers do not show as text.
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]",
    smart_strings=False,
)
_CANONICAL = etree.XPath("//head/link[@rel='canonical']/@href", smart_strings=False)
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b")
FEED_ROOTS = {"rss", "feed", "urlset", "sitemapindex", "RDF"}
# Entry links of RSS, Atom and sitemaps, then the sitemaps of a sitemap index
# (compiled once, without parsel's EXSLT namespaces: see crawler.config.used_namespaces).
_FEED_ENTRY_LINKS = [
    compiled_xpath("//item/link/text()"),
    compiled_xpath("//entry/link[not(@rel) or @rel='alternate']/@href | //entry/link/text()"),
    compiled_xpath("//url/loc/text()"),
]
_SITEMAP_LINKS = compiled_xpath("//sitemap/loc/text()")
# Requests of pages that hold posts are fetched before more list pages, which
# keeps the frontier short on large sites.
POST_PAGE_PRIORITY = 10


def canonical_url(url: str, drop_query: list[str]) -> str:
    """The URL without the fragment and without query parameters that do not change the post."""
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop_query
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def select_text(node: ParselSelector | TextResponse | etree._Element, selector: Selector) -> str:
    text = _selected_text(_root(node), selector)
    if selector.regex is None:
        return text
    match = re.search(selector.regex, text)
    if match is None:
        return ""
    return (match.group(1) if match.re.groups else match.group(0)) or ""


def _root(node: ParselSelector | TextResponse | etree._Element) -> Any:
    """The lxml node under a response or a parsel selector."""
    if isinstance(node, TextResponse):
        return node.selector.root
    if isinstance(node, ParselSelector):
        return node.root
    return node


def _select(root: Any, selector: Selector) -> list[Any]:
    found = selector.compiled()(root)
    return found if isinstance(found, list) else [found]


def _elements(found: list[Any]) -> list[Any]:
    return [f for f in found if isinstance(f, etree._Element)]


def _selected_text(root: Any, selector: Selector) -> str:
    found = _select(root, selector)
    if not found:
        return ""
    if all(not isinstance(f, etree._Element) for f in found):  # text, attributes, values
        return _WS.sub(" ", " ".join(str(f) for f in found)).strip()
    # Element(s): their visible text content, one line per text node.
    texts = []
    for element in found:
        if not isinstance(element, etree._Element):
            texts.append(str(element).strip())
            continue
        parts = [t.strip() for t in _VISIBLE_TEXT(element)]
        texts.append("\n".join(p for p in parts if p))
    return "\n".join(t for t in texts if t).strip()


def _hrefs(root: Any, selector: Selector) -> Iterator[str]:
    """Link targets a `follow` or search selector picks: an element's href, or the string."""
    for link in _select(root, selector):
        href = link.get("href") if isinstance(link, etree._Element) else str(link)
        if href and href.strip():
            yield href.strip()


def html_to_text(markup: str) -> str:
    """Text of an HTML fragment (a JSON API's post body): line breaks kept, tags dropped."""
    markup = re.sub(r"<(script|style)\b.*?</\1\s*>", "", markup, flags=re.IGNORECASE | re.DOTALL)
    return replace_entities(_TAG.sub("", _BR.sub("\n", markup))).strip()


def declared_encoding(response: Response) -> str | None:
    """The encoding the page declares: Content-Type header, byte-order mark or meta tag."""
    header = response.headers.get(b"Content-Type", b"").decode("latin-1")
    return (
        http_content_type_encoding(header)
        or (read_bom(response.body[:4])[0])
        or html_body_declared_encoding(response.body[:4096])
    )


def decode_page(response: TextResponse, hint: str | None) -> TextResponse:
    """Decode with the declared encoding; undeclared pages: UTF-8 if valid, else the
    site's hint, else GB18030 (which covers GB2312/GBK), never a silent Latin-1 guess."""
    if declared_encoding(response):
        return response
    body = response.body
    for encoding in ("utf-8", hint, "gb18030"):
        if not encoding:
            continue
        try:
            body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return response.replace(encoding=encoding)
    return response.replace(encoding=hint or "gb18030")


def error_kind(error: BaseException) -> str:
    """What an operator reads in a run's errors for a download that failed without a response."""
    name = type(error).__name__
    if "Timeout" in name or "TimedOut" in name:
        return "timeout"
    if "Cancelled" in name:
        # Scrapy cancels a download when the body exceeds DOWNLOAD_MAXSIZE.
        return "too_large"
    if "DNS" in name or name == "CannotResolveHostError":
        return "dns"
    if "Connection" in name or name in ("ResponseNeverReceived", "ResponseFailed"):
        return "connection"
    return name


def is_binary(body: bytes) -> bool:
    head = body[:2048]
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head


class ConfigSpider(scrapy.Spider):
    """Crawls one site as its `SiteConfig` says."""

    name = "config"

    def __init__(self, site: SiteConfig, search_terms: list[str] | None = None, **kwargs: Any):
        super().__init__(name=site.name, **kwargs)
        self.site = site
        self.start_urls = list(site.start_urls)
        self.allowed_domains = list(site.allowed_domains)
        self.search_terms = search_terms or []
        self._rules = [(re.compile(rule.match), rule) for rule in site.pages]
        self._allow = {id(s): re.compile(s.allow) for s in site.follow if s.allow}
        self._api_paths: dict[str, Any] = {}

    # -- requests ---------------------------------------------------------------

    async def start(self) -> Any:
        for url in self.site.feeds:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True, errback=self.failed)
        for url in self.start_urls:
            callback = self.parse_api if self.site.api else self.parse
            yield scrapy.Request(url, callback=callback, dont_filter=True, errback=self.failed)
        if self.site.search:
            for term in self.search_terms[: self.site.search.max_terms]:
                url = self.site.search.url.replace("{term}", quote(term))
                yield scrapy.Request(
                    url,
                    callback=self.parse_search,
                    cb_kwargs={"page": 1},
                    dont_filter=True,
                    errback=self.failed,
                )

    def _request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        path = urlsplit(url).path
        priority = POST_PAGE_PRIORITY if any(p.search(path) for p, _ in self._rules) else 0
        return scrapy.Request(
            url, callback=callback, errback=self.failed, priority=priority, **kwargs
        )

    def failed(self, failure: Failure) -> Iterator[Any]:
        """Download errors, HTTP errors, robots.txt and offsite refusals: counted by kind
        (the run record shows them) and reported to the frontier as done."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        if response is not None:
            self.crawler.stats.inc_value(f"cluewatch/errors/http_{response.status}")
        elif failure.check(IgnoreRequest):
            # robots.txt or an offsite link: a refusal of ours, not an error of the site.
            self.crawler.stats.inc_value("cluewatch/refused")
        else:
            self.crawler.stats.inc_value(f"cluewatch/errors/{error_kind(failure.value)}")
        self.crawler.signals.send_catch_log(request_done, request=request)
        return iter(())

    # -- pages ------------------------------------------------------------------

    def _captured(self, response: Response, raw_posts: list[dict[str, Any]]) -> CapturedPage:
        return CapturedPage(
            site=self.site.post_site,
            url=response.url,
            request_fp=response.request.meta.get("cw_fp", "") if response.request else "",
            status=response.status,
            captured_at=datetime.now(UTC),
            headers=[
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, values in response.headers.items()
                for v in values
            ],
            body=response.body if raw_posts else None,
            body_sha256=hashlib.sha256(response.body).hexdigest(),
            request_headers=_request_headers(response),
            redirects=_redirects(response),
            spider=f"{self.name}:{self.site.name}",
            raw_posts=raw_posts,
        )

    def _readable(self, response: Response) -> TextResponse | None:
        if not isinstance(response, TextResponse) or is_binary(response.body):
            self.crawler.stats.inc_value("cluewatch/pages_not_text")
            return None
        return response

    def parse(self, response: Response) -> Iterator[Any]:
        readable = self._readable(response)
        if readable is None:
            yield self._captured(response, [])
            return
        if _is_feed(readable):
            yield from self._feed_links(readable)
            yield self._captured(response, [])
            return
        page = decode_page(readable, self.site.encoding)
        self.crawler.stats.inc_value("cluewatch/pages_parsed")
        yield from self._follow(page)
        posts: list[dict[str, Any]] = []
        path = urlsplit(page.url).path
        for pattern, rule in self._rules:
            if pattern.search(path):
                posts = list(self._posts(page, rule))
                break
        yield self._captured(response, posts)

    def _follow(self, page: TextResponse) -> Iterator[scrapy.Request]:
        root = page.selector.root
        for selector in self.site.follow:
            allow = self._allow.get(id(selector))
            for href in _hrefs(root, selector):
                if href.startswith(("javascript:", "mailto:", "#")):
                    continue
                url = page.urljoin(href)
                if allow is None or allow.search(url):
                    yield self._request(url, self.parse)

    def _feed_links(self, response: TextResponse) -> Iterator[scrapy.Request]:
        selector = ParselSelector(text=response.text, type="xml")
        selector.remove_namespaces()
        root = selector.root
        links = [link for xpath in _FEED_ENTRY_LINKS for link in xpath(root)]
        self.crawler.stats.inc_value("cluewatch/feed_entries", len(links))
        for url in links:
            yield self._request(response.urljoin(url.strip()), self.parse)
        for url in _SITEMAP_LINKS(root):
            yield self._request(response.urljoin(url.strip()), self.parse)

    def _posts(self, response: TextResponse, rule: PageRule) -> Iterator[dict[str, Any]]:
        base = _canonical_link(response) or response.url
        canonical = canonical_url(base, rule.canonical_drop_query)
        root = response.selector.root
        nodes = [root] if rule.item is None else _elements(_select(root, rule.item))
        for node in nodes:
            fields = {
                name: select_text(root if sel.scope == "page" else node, sel)
                for name, sel in rule.fields.items()
            }
            floor = fields.pop("floor", "")
            anchor = fields.pop("anchor", "")
            kind = rule.kind
            url = canonical
            thread_url = None
            if rule.item is not None and floor and floor != "1":
                kind = "reply"
                url = f"{canonical}#{anchor or 'floor' + floor}"
                thread_url = canonical
            yield {"url": url, "kind": kind, "thread_url": thread_url, "fields": fields}

    # -- keyword patrol -----------------------------------------------------------

    def parse_search(self, response: Response, page: int) -> Iterator[Any]:
        search = self.site.search
        assert search is not None
        readable = self._readable(response)
        if readable is not None:
            results = decode_page(readable, self.site.encoding)
            for href in _links(results, search.results):
                url = results.urljoin(href)
                if any(p.search(urlsplit(url).path) for p, _ in self._rules):
                    yield self._request(url, self.parse)
            if search.next_page is not None and page < search.max_pages:
                for href in _links(results, search.next_page)[:1]:
                    yield self._request(
                        results.urljoin(href), self.parse_search, cb_kwargs={"page": page + 1}
                    )
        yield self._captured(response, [])

    # -- JSON APIs ----------------------------------------------------------------

    def parse_api(self, response: Response, thread_url: str | None = None) -> Iterator[Any]:
        api = self.site.api
        assert api is not None
        try:
            data = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            self.crawler.stats.inc_value("cluewatch/errors/bad_json")
            yield self._captured(response, [])
            return
        rule: ApiPosts = api.replies if (thread_url and api.replies) else api
        raw_posts: list[dict[str, Any]] = []
        for entry in _search(rule.items, data) or []:
            if not isinstance(entry, dict):
                continue
            values = {name: _search(path, entry) for name, path in rule.fields.items()}
            fields = {k: "" if v is None else str(v) for k, v in values.items()}
            if rule.text_html:
                fields["text"] = html_to_text(fields["text"])
            url = _fill(rule.post_url, {**fields, "thread_url": thread_url or ""})
            if url is None:
                self.crawler.stats.inc_value("cluewatch/errors/api_fields")
                continue
            raw_posts.append(
                {
                    "url": url,
                    "kind": "reply" if thread_url else api.kind,
                    "thread_url": thread_url,
                    "fields": {k: v for k, v in fields.items() if k != "id"},
                }
            )
            replies = api.replies
            wanted = replies is not None and (replies.when is None or _search(replies.when, entry))
            if thread_url is None and replies is not None and wanted:
                replies_url = _fill(replies.url, fields)
                if replies_url:
                    yield self._request(replies_url, self.parse_api, cb_kwargs={"thread_url": url})
        # The next page of the timeline, or of this post's replies.
        if rule.next_cursor:
            cursor = _search(rule.next_cursor, data)
            if cursor not in (None, "", 0, "0") and raw_posts:
                yield self._request(
                    _with_query(response.url, rule.cursor_param, str(cursor)),
                    self.parse_api,
                    cb_kwargs={"thread_url": thread_url} if thread_url else {},
                )
        yield self._captured(response, raw_posts)


# Sent when a request ends without a page (errors, refusals): the frontier marks it done.
request_done = object()


def _search(path: str, data: Any) -> Any:
    try:
        return jmespath.search(path, data)
    except jmespath.exceptions.JMESPathError:
        return None


def _fill(template: str, fields: dict[str, str]) -> str | None:
    try:
        return re.sub(r"\{(\w+)\}", lambda m: quote(fields[m.group(1)], safe=":/#"), template)
    except KeyError:
        return None


def _with_query(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, value))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _links(response: TextResponse, selector: Selector) -> list[str]:
    return list(_hrefs(response.selector.root, selector))


def _canonical_link(response: TextResponse) -> str | None:
    """`<link rel="canonical">` when it points into the same site."""
    found = _CANONICAL(response.selector.root)
    href = str(found[0]) if found else ""
    if not href:
        return None
    url = urljoin(response.url, href.strip())
    return url if urlsplit(url).netloc == urlsplit(response.url).netloc else None


def _is_feed(response: TextResponse) -> bool:
    content_type = response.headers.get(b"Content-Type", b"").lower()
    head = response.body[:512].lstrip()
    if b"xml" not in content_type and not head.startswith(b"<?xml"):
        return False
    match = re.search(rb"<(?:\w+:)?(\w+)[\s/>]", re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", head))
    return bool(match and match.group(1).decode() in FEED_ROOTS)


# Credentials never go into the evidence record.
_PRIVATE_HEADERS = frozenset({b"cookie", b"authorization", b"proxy-authorization"})


def _request_headers(response: Response) -> list[tuple[str, str]]:
    if response.request is None:
        return []
    return [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, values in response.request.headers.items()
        if k.lower() not in _PRIVATE_HEADERS
        for v in values
    ]


def _redirects(response: Response) -> list[dict[str, Any]]:
    """The redirects Scrapy followed to this response: each URL and its status."""
    if response.request is None:
        return []
    meta = response.request.meta
    urls = meta.get("redirect_urls", [])
    reasons = meta.get("redirect_reasons", [])
    return [
        {"url": url, "status": reasons[i] if i < len(reasons) else None}
        for i, url in enumerate(urls)
    ]
