"""Stage 1: raw spider items -> validated `Post` models."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from index.models import MAX_TEXT_CHARS, MAX_TITLE_CHARS, Post, content_hash, post_id_for

CHINA = timezone(timedelta(hours=8), "CST")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_EXTRA_FIELDS = ("price", "area", "contact", "contact_name")


def clean_text(text: str, limit: int) -> str:
    """Collapse runs of spaces, drop control characters other than newlines, cut at `limit`."""
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")
    text = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", text)).strip()
    return text[:limit]


def parse_time(value: str) -> datetime | None:
    """Read the time formats Chinese sites show; naive times are China Standard Time."""
    value = (
        value.strip()
        .replace("发表于", "")
        .replace("年", "-")
        .replace("月", "-")
        .replace("日", " ")
        .strip()
    )
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=CHINA)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> Post:
        fields = item["fields"]
        text = clean_text(fields.get("text", ""), MAX_TEXT_CHARS)
        if not text:
            self.stats.inc_value("cluewatch/items_empty")
            raise DropItem(f"empty post at {item['url']}")
        title = clean_text(fields.get("title", ""), MAX_TITLE_CHARS).replace("\n", " ")
        if item["kind"] == "reply":
            title = ""
        site = item["site"]
        thread_id = post_id_for(site, item["thread_url"]) if item.get("thread_url") else None
        try:
            post = Post(
                id=post_id_for(site, item["url"]),
                site=site,
                url=item["url"],
                kind=item["kind"],
                thread_id=thread_id,
                title=title,
                text=text,
                author=(fields.get("author") or None) and fields["author"][:200],
                published_at=parse_time(fields.get("published", "")),
                captured_at=datetime.fromisoformat(item["captured_at"]),
                content_hash=content_hash(title, text),
                raw_hash=item.get("raw_hash"),
                extra={k: fields[k][:500] for k in _EXTRA_FIELDS if fields.get(k)},
            )
        except ValidationError as exc:
            self.stats.inc_value("cluewatch/items_invalid")
            raise DropItem(f"invalid post at {item['url']}: {exc.errors()[0]['msg']}") from exc
        self.stats.inc_value("cluewatch/posts_seen")
        return post
