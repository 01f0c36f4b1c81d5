"""The config-driven spider: everything about a site comes from its YAML file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from parsel import Selector as ParselSelector
from scrapy.http import Response, TextResponse

from crawler.config import PageRule, Selector, SiteConfig

_WS = re.compile(r"\s+")


def canonical_url(url: str, drop_query: list[str]) -> str:
    """The URL without the fragment and without query parameters that do not change the post."""
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop_query
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _select(node: ParselSelector | TextResponse, selector: Selector) -> str:
    expression = selector.css or selector.xpath or ""
    found = node.css(expression) if selector.css is not None else node.xpath(expression)
    if not found:
        return ""
    if (selector.css and ("::text" in expression or "::attr" in expression)) or (
        selector.xpath and re.search(r"(text\(\)|@[\w-]+)\s*$", expression)
    ):
        return _WS.sub(" ", " ".join(v for v in found.getall())).strip()
    # Element(s): their whole text content, one line per block.
    texts = []
    for element in found:
        parts = [t.strip() for t in element.xpath(".//text()").getall()]
        texts.append("\n".join(p for p in parts if p))
    return "\n".join(t for t in texts if t).strip()


class ConfigSpider(scrapy.Spider):
    """Crawls one site as its `SiteConfig` says, yielding one raw item per post."""

    name = "config"

    def __init__(self, site: SiteConfig, **kwargs: Any) -> None:
        super().__init__(name=site.name, **kwargs)
        self.site = site
        self.start_urls = list(site.start_urls)
        self.allowed_domains = list(site.allowed_domains)
        self._rules = [(re.compile(rule.match), rule) for rule in site.pages]

    async def start(self) -> Any:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("cluewatch/pages_not_text")
            return
        if self.site.encoding and not _declared(response):
            response = response.replace(encoding=self.site.encoding)
        self.crawler.stats.inc_value("cluewatch/pages_parsed")
        path = urlsplit(response.url).path
        for pattern, rule in self._rules:
            if pattern.search(path):
                yield from self._items(response, rule)
                break
        for selector in self.site.follow:
            expression = selector.css or selector.xpath or ""
            links = response.css(expression) if selector.css else response.xpath(expression)
            for link in links:
                href = link.attrib.get("href") if hasattr(link, "attrib") else None
                if href is None:
                    href = link.get()
                if href:
                    yield response.follow(href, callback=self.parse)

    def _items(self, response: TextResponse, rule: PageRule) -> Iterator[dict[str, Any]]:
        captured = datetime.now(UTC)
        raw_hash = hashlib.sha256(response.body).hexdigest()
        canonical = canonical_url(response.url, rule.canonical_drop_query)
        nodes: list[Any] = list(response.css(rule.item.css)) if rule.item and rule.item.css else []
        if rule.item and rule.item.xpath:
            nodes = list(response.xpath(rule.item.xpath))
        if rule.item is None:
            nodes = [response]
        for node in nodes:
            fields = {
                name: _select(response if sel.scope == "page" else node, sel)
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
            yield {
                "site": self.site.name,
                "url": url,
                "kind": kind,
                "thread_url": thread_url,
                "fields": fields,
                "raw_hash": raw_hash,
                "captured_at": captured.isoformat(),
                "status": response.status,
            }


def _declared(response: TextResponse) -> bool:
    content_type = response.headers.get(b"Content-Type", b"").lower()
    return b"charset=" in content_type
