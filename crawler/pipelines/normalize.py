"""Stage 1: the raw posts of a page -> validated `Post` models.

Text is cleaned (control characters dropped, runs of spaces collapsed,
length capped), times read in the formats Chinese sites show, ids derived
from the site and the canonical URL. A post that cannot be made valid is
counted and left out; the rest of the page goes on.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError
from scrapy.crawler import Crawler

from crawler.items import CapturedPage
from index.models import MAX_TEXT_CHARS, MAX_TITLE_CHARS, Post, content_hash, post_id_for

logger = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8), "CST")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Control characters (Unicode category Cc) other than the newline.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_EXTRA_FIELDS = ("price", "area", "contact", "contact_name")
_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%a %b %d %H:%M:%S %z %Y",  # microblog APIs
    "%a, %d %b %Y %H:%M:%S %z",  # RSS
)


def clean_text(text: str, limit: int) -> str:
    """Collapse runs of spaces, drop control characters other than newlines, cut at `limit`."""
    text = _CONTROL.sub("", text)
    text = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", text)).strip()
    return text[:limit]


def parse_time(value: str) -> datetime | None:
    """Read the time formats Chinese sites show; naive times are China Standard Time."""
    value = (
        value.strip()
        .replace("发表于", "")
        .replace("发布于", "")
        .replace("年", "-")
        .replace("月", "-")
        .replace("日", " ")
        .strip()
    )
    if not value:
        return None
    parsed = _strptime(value)
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=CHINA)


def _strptime(value: str) -> datetime | None:
    # ISO 8601 first: most sites show `2026-11-20 10:05`, which it reads at once, where
    # `strptime` would raise and catch an error for every format tried before its own.
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, page: CapturedPage) -> CapturedPage:
        page.posts = []
        for raw in page.raw_posts:
            post = self._post(page, raw)
            if post is not None:
                page.posts.append(post)
        return page

    def _post(self, page: CapturedPage, raw: dict[str, Any]) -> Post | None:
        fields = raw["fields"]
        text = clean_text(fields.get("text", ""), MAX_TEXT_CHARS)
        if not text:
            self.stats.inc_value("cluewatch/items_empty")
            return None
        title = clean_text(fields.get("title", ""), MAX_TITLE_CHARS).replace("\n", " ")
        if raw["kind"] == "reply":
            title = ""
        site = page.site
        thread_url = raw.get("thread_url")
        author = clean_text(fields.get("author") or "", 200) or None
        try:
            post = Post(
                id=post_id_for(site, raw["url"]),
                site=site,
                url=raw["url"],
                kind=raw["kind"],
                thread_id=post_id_for(site, thread_url) if thread_url else None,
                title=title,
                text=text,
                author=author,
                published_at=parse_time(fields.get("published", "")),
                captured_at=page.captured_at,
                content_hash=content_hash(title, text),
                raw_hash=page.body_sha256,
                extra={k: clean_text(fields[k], 500) for k in _EXTRA_FIELDS if fields.get(k)},
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            self.stats.inc_value("cluewatch/errors/invalid_post")
            logger.warning(
                "invalid post %s on page %s: %s: %s", raw["url"], page.url, where, error["msg"]
            )
            return None
        self.stats.inc_value("cluewatch/posts_seen")
        return post
