"""What the sandbox web shows, and what a crawler should make of it.

`SandboxContent.load()` reads the hand-written forum and classifieds
(`content/*.yaml`) and builds the corpus-fed sites (`corpus_sites.py`).
Its methods give the ground truth tests and benchmarks compare a crawl
with: the expected categories of every post URL, the URLs a polite crawler
must never fetch, the posts with script traps, the reposts and the posts
that change after `Sandbox.advance()`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.sandbox.corpus_sites import CorpusSites, build
from crawler.sandbox.model import Board, Post, Quirk, Thread

CONTENT_DIR = Path(__file__).resolve().parent / "content"
SITES = ("forum", "classifieds", "tieba", "qa", "weibo", "blog")


@functools.cache
def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _forum_boards(forum: dict[str, Any]) -> list[Board]:
    boards = []
    for board in forum["boards"]:
        threads = []
        for t in board["threads"]:
            tid = int(t["id"])
            floors = [t, *(t.get("replies") or [])]
            posts = tuple(
                Post(
                    site="forum",
                    path=f"/forum/thread/{tid}" if n == 1 else f"/forum/thread/{tid}#pid{tid}-{n}",
                    text=str(f.get("body", "")),
                    categories=tuple(f.get("expect") or ()),
                    title=t["title"] if n == 1 else "",
                    author=f.get("author") or "",
                    posted=str(f.get("posted") or ""),
                    id=n,
                )
                for n, f in enumerate(floors, start=1)
            )
            threads.append(Thread(tid, t["title"], posts))
        boards.append(Board(int(board["id"]), board["name"], tuple(threads)))
    return boards


def _str(value: object) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Listing:
    """A classifieds listing: the post plus the fields of its detail page."""

    category_id: str
    category_name: str
    post: Post
    price: str
    area: str
    contact_name: str
    contact: str


def _listings(classifieds: dict[str, Any]) -> list[tuple[dict[str, Any], list[Listing]]]:
    out = []
    for category in classifieds["categories"]:
        listings = []
        for x in category["listings"]:
            lid = int(x["id"])
            post = Post(
                site="classifieds",
                path=f"/classifieds/{category['id']}/{lid}.html",
                text=str(x.get("body", "")),
                categories=tuple(x.get("expect") or ()),
                title=x["title"],
                author=str(x.get("contact_name") or ""),
                posted=str(x.get("posted") or ""),
                id=lid,
            )
            listings.append(
                Listing(
                    category["id"],
                    category["name"],
                    post,
                    *(_str(x.get(k)) for k in ("price", "area", "contact_name", "contact")),
                )
            )
        out.append((category, listings))
    return out


class SandboxContent:
    """The sandbox's sites as data, and the expectations derived from them.

    Attributes: `forum_name` and `forum_boards` (the hand-written boards,
    then the corpus-fed 杂谈 board), `classifieds_name` and
    `classifieds_categories` (category dict, listings), `corpus` (tieba,
    Q&A, microblog, blog; see `corpus_sites.CorpusSites`).
    """

    def __init__(
        self, forum: dict[str, Any], classifieds: dict[str, Any], corpus: CorpusSites
    ) -> None:
        self.forum_name: str = forum["name"]
        self.forum_boards: list[Board] = [*_forum_boards(forum), corpus.forum_board]
        self.classifieds_name: str = classifieds["name"]
        self.classifieds_categories = _listings(classifieds)
        self.corpus = corpus
        self.threads: dict[int, Thread] = {t.id: t for b in self.forum_boards for t in b.threads}
        self.listings: dict[int, Listing] = {
            x.post.id: x for _, xs in self.classifieds_categories for x in xs
        }
        self.tieba_threads: dict[int, Thread] = {
            t.id: t for bar in corpus.tieba_bars for t in bar.threads
        }
        self.questions = {q.id: q for q in corpus.questions}
        self.statuses = {s.id: s for s in corpus.statuses}
        self.articles = {a.id: a for a in corpus.articles}

    @classmethod
    def load(cls, directory: Path = CONTENT_DIR) -> SandboxContent:
        """Read the YAML sites from `directory`; the corpus-fed sites are built once per process."""
        return cls(
            _read_yaml(directory / "forum.yaml"),
            _read_yaml(directory / "classifieds.yaml"),
            build(),
        )

    # -- every post ---------------------------------------------------------------

    def posts(self, *, sites: Iterable[str] = SITES) -> Iterator[Post]:
        """Every post of the named sites, robots-blocked and unreachable ones included."""
        wanted = set(sites)
        if "forum" in wanted:
            for board in self.forum_boards:
                for thread in board.threads:
                    yield from thread.posts
        if "classifieds" in wanted:
            yield from (x.post for x in self.listings.values())
        if "tieba" in wanted:
            for thread in self.tieba_threads.values():
                yield from thread.posts
            yield from self.corpus.tieba_private.posts
        if "qa" in wanted:
            for q in self.corpus.questions:
                yield q.post
                yield from q.answers
        if "weibo" in wanted:
            for s in self.corpus.statuses:
                yield s.post
                yield from s.comments
        if "blog" in wanted:
            yield from (a.post for a in self.corpus.articles)

    def expectations(self, base_url: str, *, sites: Iterable[str] = SITES) -> dict[str, list[str]]:
        """Expected categories per post URL, as the crawler should store them ([] = benign).

        Covers every post a polite crawler can reach: posts under a
        robots.txt Disallow (`blocked_urls`) and on pages that always fail
        (`unreachable_urls`) are left out. `sites` narrows it to some of
        `SITES`.
        """
        return {p.url(base_url): list(p.categories) for p in self.posts(sites=sites) if p.expected}

    def blocked_urls(self, base_url: str) -> list[str]:
        """Post URLs under a robots.txt Disallow: a polite crawler never fetches their pages."""
        return [p.url(base_url) for p in self.posts() if Quirk.BLOCKED in p.quirks]

    def unreachable_urls(self, base_url: str) -> list[str]:
        """Post URLs on a page that answers 500 on every request."""
        return [p.url(base_url) for p in self.posts() if Quirk.ALWAYS_500 in p.quirks]

    def script_trap_urls(self, base_url: str) -> list[str]:
        """Benign posts whose body holds a <script>/<style> with jargon in it."""
        return [p.url(base_url) for p in self.posts() if Quirk.SCRIPT_TRAP in p.quirks]

    def repost_pairs(self, base_url: str) -> list[tuple[str, str]]:
        """(original, repost) URLs: the same clue post on two sites, the repost slightly edited."""
        base = base_url.rstrip("/")
        return [(base + a, base + b) for a, b in self.corpus.reposts]

    def edited_urls(self, base_url: str) -> list[str]:
        """Posts whose text changes from edition 2 on (after `Sandbox.advance()`)."""
        return [p.url(base_url) for p in self.posts() if p.edited_text is not None]

    def post(self, url_or_path: str) -> Post | None:
        """The post stored under this URL (any base) or path, if there is one."""
        parts = urlsplit(url_or_path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self._by_path.get(path + (f"#{parts.fragment}" if parts.fragment else ""))

    @functools.cached_property
    def _by_path(self) -> dict[str, Post]:
        return {p.path: p for p in self.posts()}
