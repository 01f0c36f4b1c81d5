"""The sandbox's content model: posts and the structures the sites render.

Every post a crawler may store is a `Post` with the path it is stored under
(`/tieba/p/9101#post-910002`), its text and the categories it should get.
Sites hold them in threads (forum, tieba), questions (Q&A), statuses
(microblog) or articles (blog). Everything here is immutable, so one loaded
content can be shared by several servers and cached between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Quirk(StrEnum):
    """Real-world nuisances a page (thread, question, article) can carry."""

    SLOW = "slow"  # answers after the sandbox's `slow_seconds`
    TRANSIENT_500 = "transient_500"  # 500 on the first request, then 200
    ALWAYS_500 = "always_500"  # 500 on every request: its posts cannot be crawled
    TRUNCATED = "truncated"  # body cut off mid-tag after the last floor's text
    MALFORMED = "malformed"  # unclosed tags and stray closing tags around the posts
    SCRIPT_TRAP = "script_trap"  # <script>/<style> with jargon inside a benign post body
    ATTACHMENT = "attachment"  # links a binary "image" served as text/html
    LINK_301 = "link_301"  # listed under its old-style URL that answers 301
    LINK_302 = "link_302"  # listed under a URL that answers a two-hop 302 chain
    DUP_LINK = "dup_link"  # listed twice: plain and with `?from=board`
    PRINT_VIEW = "print_view"  # has a print view with <link rel="canonical">
    BLOCKED = "blocked"  # under a robots.txt Disallow


@dataclass(frozen=True)
class Post:
    """One post as the crawler should store it.

    `path` is the stored URL without the base: the page path, plus a
    `#fragment` for replies, answers and comments. `posted` is the time as the
    site shows it ("YYYY-MM-DD HH:MM", or "YYYY-MM-DD" on the classifieds).
    `edited_text`, when set, replaces `text` from edition 2 on
    (`Sandbox.advance()`). `source` is the corpus example id, or "yaml" for
    the hand-written forum and classifieds content.
    """

    site: str
    path: str
    text: str
    categories: tuple[str, ...]
    title: str = ""
    author: str = ""
    posted: str = ""
    id: int = 0
    source: str = "yaml"
    edited_text: str | None = None
    quirks: frozenset[Quirk] = frozenset()

    @property
    def page_path(self) -> str:
        return self.path.split("#", 1)[0]

    @property
    def anchor(self) -> str:
        return self.path.split("#", 1)[1] if "#" in self.path else ""

    def url(self, base: str) -> str:
        return base.rstrip("/") + self.path

    def text_at(self, edition: int) -> str:
        if edition >= 2 and self.edited_text is not None:
            return self.edited_text
        return self.text

    @property
    def expected(self) -> bool:
        """Whether a polite crawler can and should store this post."""
        return Quirk.BLOCKED not in self.quirks and Quirk.ALWAYS_500 not in self.quirks


@dataclass(frozen=True)
class Thread:
    """A forum or Tieba thread: the opening post first, then the replies in floor order."""

    id: int
    title: str
    posts: tuple[Post, ...]
    quirks: frozenset[Quirk] = frozenset()

    @property
    def opener(self) -> Post:
        return self.posts[0]


@dataclass(frozen=True)
class Board:
    """A forum board or a Tieba bar (`name` is the bar's kw)."""

    id: int
    name: str
    threads: tuple[Thread, ...]


@dataclass(frozen=True)
class Question:
    id: int
    post: Post  # title is the question, text its details
    answers: tuple[Post, ...]
    quirks: frozenset[Quirk] = frozenset()


@dataclass(frozen=True)
class Status:
    id: int
    user_id: int
    post: Post
    comments: tuple[Post, ...]
    comment_user_ids: tuple[int, ...]


@dataclass(frozen=True)
class Article:
    id: int
    post: Post
    summary: str  # the feed's entry summary, shorter than the article
    quirks: frozenset[Quirk] = frozenset()
