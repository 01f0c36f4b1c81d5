"""What the spiders hand to the pipelines: one `CapturedPage` per response.

A page carries the raw bytes and headers (for evidence), the posts read
from it (raw fields first, then validated `Post`s, then `ScoredPost`s as
the stages run) and the fingerprint of the request that fetched it. The
frontier marks that request done only when the whole page has been through
every stage, so a crash before then fetches the page again on resume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from index.models import Post, ScoredPost


@dataclass(eq=False)
class CapturedPage:
    site: str
    url: str
    request_fp: str
    status: int
    captured_at: datetime
    headers: list[tuple[str, str]]
    body: bytes | None
    body_sha256: str
    # How the page was accessed, for the evidence record: the request's headers,
    # the redirects followed to it ({"url", "status"} each) and the spider.
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    redirects: list[dict[str, Any]] = field(default_factory=list)
    spider: str = ""
    raw_posts: list[dict[str, Any]] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    scored: list[ScoredPost] = field(default_factory=list)
    evidence_saved: bool = False

    def __repr__(self) -> str:  # Scrapy logs scraped items; never dump the body
        return f"<CapturedPage {self.url} posts={len(self.raw_posts)} sha={self.body_sha256[:12]}>"
