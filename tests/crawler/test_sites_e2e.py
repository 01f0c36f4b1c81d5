"""Every sandbox site crawled end to end with `cluewatch crawl`, as an operator runs it.

One module sandbox is crawled with the shipped site files (the Q&A site's
politeness lifted so that it is rate-limited for sure), then edited with
`advance()` and crawled again with the shipped files as they are. The keyword patrol runs at the same time
against a second sandbox into its own store, so that what it stores is
told apart from the forum crawl's. The checks compare the stores and the
sandbox's request log with the sandbox's ground truth.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cluewatch.settings import Settings
from crawler.config import load_site
from crawler.runner import search_terms
from crawler.sandbox.server import DISALLOWED, Hit, Sandbox
from tests.conftest import REPO, run_cli, start_cli

SITES = ["forum", "tieba", "classifieds", "qa", "weibo", "blog"]
SHIPPED = REPO / "crawler" / "sites"
# Fast enough to be answered 429 a few requests in: the crawl must then wait.
QA_TOO_FAST = "politeness:\n  download_delay: 0.05\n  concurrency: 1\n  autothrottle: false\n"
SUMMARY = re.compile(
    r"^  (sandbox-[\w-]+): (\d+) pages, (\d+) posts seen, (\d+) new, (\d+) changed, "
    r"(\d+) unchanged \((\w+)\)$"
)
TRAP_WORDS = ("fake_ad_88", "showAd", "100000888", "ad-banner")


@dataclass
class Run:
    """One `cluewatch crawl`: its output by site and the requests the sandbox saw meanwhile."""

    stdout: str
    seconds: float
    hits: list[Hit]
    pages: dict[str, int] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def parse(cls, stdout: str, seconds: float, hits: list[Hit]) -> Run:
        run = cls(stdout, seconds, hits)
        site = ""
        for line in stdout.splitlines():
            if m := SUMMARY.match(line):
                site = m.group(1)
                run.pages[site], run.new[site], run.changed[site] = (
                    int(m.group(2)),
                    int(m.group(4)),
                    int(m.group(5)),
                )
                assert m.group(7) == "finished", line
            elif line.startswith("      errors: "):
                pairs = (e.rsplit(" ", 1) for e in line.removeprefix("      errors: ").split(", "))
                run.errors[site] = {kind: int(n) for kind, n in pairs}
        return run


@dataclass
class World:
    sandbox: Sandbox
    db: Path
    first: Run
    after_first: dict[str, sqlite3.Row]  # url -> posts row, right after the first crawl
    search_sandbox: Sandbox
    search_db: Path
    search_terms: list[str]
    env: dict[str, str]
    root: Path


def _posts(db: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM posts").fetchall()
    finally:
        conn.close()
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)), "a URL stored twice"
    return {r["url"]: r for r in rows}


def _crawl(sandbox: Sandbox, env: dict[str, str], cwd: Path) -> Run:
    start = len(sandbox.requests)
    started = time.monotonic()
    result = run_cli(["crawl", *(f"sandbox-{s}" for s in SITES)], cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return Run.parse(result.stdout, time.monotonic() - started, sandbox.requests[start:])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("sites-e2e")
    sites = root / "sites"
    sites.mkdir()
    for name in SITES:
        text = (SHIPPED / f"sandbox-{name}.yaml").read_text(encoding="utf-8")
        if name == "qa":
            text = re.sub(r"politeness:.*\Z", QA_TOO_FAST, text, flags=re.DOTALL)
        (sites / f"sandbox-{name}.yaml").write_text(text, encoding="utf-8")
    patrol_sites = root / "patrol-sites"
    patrol_sites.mkdir()
    shutil.copy(SHIPPED / "sandbox-search.yaml", patrol_sites)

    # The 50 MB page is served at its full size: the crawler refuses it by max_page_mb.
    # Q&A: 10 pages a second before 429 (not 4), so that fewer pages wait 1 s each.
    with (
        Sandbox(slow_seconds=0.5, qa_limit=10) as sandbox,
        Sandbox(slow_seconds=0.5) as patrolled,
    ):
        patrol = start_cli(
            ["crawl", "sandbox-search"],
            cwd=root,
            env={
                "CLUEWATCH_DATA_DIR": str(root / "patrol-data"),
                "CLUEWATCH_SANDBOX_URL": patrolled.url,
                "CLUEWATCH_SITES_DIR": str(patrol_sites),
            },
        )
        env = {
            "CLUEWATCH_DATA_DIR": str(root / "data"),
            "CLUEWATCH_SANDBOX_URL": sandbox.url,
            "CLUEWATCH_SITES_DIR": str(sites),
        }
        first = _crawl(sandbox, env, root)
        _out, err = patrol.communicate(timeout=300)
        assert patrol.returncode == 0, err[-3000:]
        db = root / "data" / "cluewatch.db"
        site = load_site(SHIPPED / "sandbox-search.yaml", variables={"SANDBOX": patrolled.url})
        terms = search_terms(Settings(data_dir=root / "patrol-data"), site)
        world = World(
            sandbox=sandbox,
            db=db,
            first=first,
            after_first=_posts(db),
            search_sandbox=patrolled,
            search_db=root / "patrol-data" / "cluewatch.db",
            search_terms=terms[: site.search.max_terms] if site.search else [],
            env=env,
            root=root,
        )
        yield world


@pytest.fixture(scope="module")
def recrawl(world: World) -> Run:
    """The sandbox's posts edited (`advance()`), then every site crawled again, the Q&A
    site at its shipped pace this time (1 s a page after a 429 is slow)."""
    world.sandbox.advance()
    qa = SHIPPED / "sandbox-qa.yaml"
    shutil.copy(qa, Path(world.env["CLUEWATCH_SITES_DIR"]) / qa.name)
    return _crawl(world.sandbox, world.env, world.root)


def norm(text: str) -> str:
    return " ".join(text.split())


# -- the first crawl --------------------------------------------------------------------------


def test_every_expected_post_is_stored_once_under_its_url(world: World) -> None:
    expected = world.sandbox.content.expectations(world.sandbox.url)
    stored = world.after_first
    assert sorted(set(expected) - set(stored)) == []
    assert sorted(set(stored) - set(expected)) == []
    # every site stored under its own name, each post with its kind
    by_site = Counter(row["site"] for row in stored.values())
    assert by_site == Counter(f"sandbox-{urlsplit(url).path.split('/')[1]}" for url in expected), (
        by_site
    )
    assert sum(world.first.new.values()) == len(expected)


def test_stored_text_is_the_post_text_in_every_encoding(world: World) -> None:
    """GBK declared in the header (classifieds), GB18030 only in a meta tag (tieba), GBK
    declared nowhere (Q&A), JSON with HTML text (microblog): all decoded as written."""
    content = world.sandbox.content
    wrong = []
    for url, row in world.after_first.items():
        post = content.post(url)
        assert post is not None
        if norm(row["text"]) != norm(post.text):
            wrong.append((url, post.text[:40], row["text"][:40]))
        if post.title and row["kind"] != "reply" and norm(row["title"]) != norm(post.title):
            wrong.append((url, post.title, row["title"]))
    assert wrong == []


def test_no_request_to_a_robots_disallowed_path_and_blocked_posts_not_stored(
    world: World,
) -> None:
    hits = world.first.hits
    assert hits[0].target == "/robots.txt" or any(h.target == "/robots.txt" for h in hits)
    assert [h.target for h in hits if h.target.startswith(DISALLOWED)] == []
    # the lists that link the members-only thread and the moderation page were read
    private = world.sandbox.content.corpus.tieba_private.opener.page_path
    assert private.startswith(DISALLOWED)
    assert any(h.target == "/tieba/f?kw=%E6%B1%9F%E5%9F%8E" for h in hits)
    assert any(h.target == "/forum/board/9?page=2" for h in hits)
    blocked = world.sandbox.content.blocked_urls(world.sandbox.url)
    assert blocked and not set(blocked) & set(world.after_first)


def test_script_and_style_text_never_becomes_post_text(world: World) -> None:
    traps = world.sandbox.content.script_trap_urls(world.sandbox.url)
    assert len(traps) == 3
    for url in traps:
        assert url in world.after_first
    for row in world.after_first.values():
        assert not any(word in row["text"] for word in TRAP_WORDS), row["url"]


def test_failing_pages_are_retried_or_counted(world: World) -> None:
    statuses = [h.status for h in world.first.hits if h.target == "/forum/thread/9003"]
    assert statuses[:2] == [500, 200]  # failed once, stored after the retry
    assert all(
        p.url(world.sandbox.url) in world.after_first
        for p in world.sandbox.content.threads[9003].posts
    )
    # always 500: tried once and retried three times with backoff, then counted
    assert [h.status for h in world.first.hits if h.target == "/tieba/p/9114"] == [500] * 4
    assert world.first.errors["sandbox-tieba"]["http_500"] == 1
    unreachable = world.sandbox.content.unreachable_urls(world.sandbox.url)
    assert unreachable and not set(unreachable) & set(world.after_first)
    forum_errors = world.first.errors["sandbox-forum"]
    assert forum_errors["http_404"] == 1  # the deleted thread
    assert forum_errors["pages_not_text"] == 1  # PNG bytes served as text/html
    assert world.first.errors["sandbox-qa"]["http_404"] == 1  # a deleted question in the sitemap


def test_the_50_mb_page_is_refused_by_max_page_mb_and_counted(world: World) -> None:
    assert any(h.target == "/forum/archive/all.html" for h in world.first.hits)
    assert world.first.errors["sandbox-forum"]["too_large"] == 1


def test_redirected_duplicate_and_print_view_posts_are_stored_once_under_the_thread_url(
    world: World,
) -> None:
    targets = [h.target for h in world.first.hits]
    for fetched in (
        "/forum/viewthread.php?tid=9001",
        "/forum/redirect.php?tid=9002&goto=lastpost",
        "/forum/goto/9002",
        "/forum/thread/9007?from=board",
        "/forum/thread/9007/print",
    ):
        assert fetched in targets
    for url in world.after_first:
        assert not re.search(r"viewthread|redirect\.php|goto|from=|/print|page=", url), url
    for tid in (9001, 9002, 9007):
        for post in world.sandbox.content.threads[tid].posts:
            assert post.url(world.sandbox.url) in world.after_first


def test_weibo_comments_are_replies_linked_to_their_status(world: World) -> None:
    rows = world.after_first
    statuses = world.sandbox.content.corpus.statuses
    assert max(len(s.comments) for s in statuses) > 3  # comments span several API pages
    for status in statuses:
        status_url = status.post.url(world.sandbox.url)
        assert rows[status_url]["kind"] == "entry"
        for comment in status.comments:
            row = rows[comment.url(world.sandbox.url)]
            assert row["kind"] == "reply"
            assert row["thread_id"] == rows[status_url]["id"]
    assert rows[status_url]["published_at"].startswith(status.post.posted[:10])


def test_reposts_across_sites_end_in_one_near_duplicate_cluster(world: World) -> None:
    pairs = world.sandbox.content.repost_pairs(world.sandbox.url)
    rows = world.after_first
    for original, repost in pairs:
        assert rows[original]["cluster_id"] is not None
        assert rows[original]["cluster_id"] == rows[repost]["cluster_id"], (original, repost)


def test_429_is_honoured_with_a_pause_of_at_least_retry_after(world: World) -> None:
    qa = [h for h in world.first.hits if h.target.startswith("/qa/")]
    refused = [n for n, h in enumerate(qa) if h.status == 429]
    assert refused, "the Q&A site never answered 429: the test did not crawl it too fast"
    for n in refused:
        assert n + 1 < len(qa)
        pause = qa[n + 1].at - qa[n].at
        assert pause >= 1.0, f"next Q&A request {pause:.2f}s after a 429 with Retry-After: 1"
    # the refused pages were fetched again and their posts stored
    again = {h.target for h in qa if h.status == 200}
    assert {qa[n].target for n in refused} <= again


def test_clues_are_flagged_and_benign_posts_mostly_not(world: World) -> None:
    expected = world.sandbox.content.expectations(world.sandbox.url)
    clues = [u for u, cats in expected.items() if cats]
    benign = [u for u, cats in expected.items() if not cats]
    caught = sum(world.after_first[u]["flagged"] for u in clues)
    false_alarms = sum(world.after_first[u]["flagged"] for u in benign)
    # Floors below the measured 129/133 clues and 15/293 benign (2026-11-24, shipped model
    # trained with benign posts weighing twice, held-out corpus posts on the tieba, Q&A,
    # microblog, blog and forum board 9; the model before it: 129/133 and 20/293; with
    # fusion v5 and v6 the same 129/133 and 15/293).
    assert caught / len(clues) >= 0.9, f"{caught}/{len(clues)} clues flagged"
    assert false_alarms / len(benign) <= 0.065, f"{false_alarms}/{len(benign)} benign flagged"


# -- keyword patrol --------------------------------------------------------------------------


def test_search_patrol_stores_matching_forum_posts_as_the_forum_s(world: World) -> None:
    sandbox = world.search_sandbox
    stored = _posts(world.search_db)
    forum = sandbox.content.expectations(sandbox.url, sites=["forum"])
    assert stored and set(stored) <= set(forum)
    assert {row["site"] for row in stored.values()} == {"sandbox-forum"}
    matching = {
        p.url(sandbox.url)
        for p in sandbox.content.posts(sites=["forum"])
        if p.expected
        and any(t.casefold() in f"{p.title}\n{p.text}".casefold() for t in world.search_terms)
    }
    assert matching and matching <= set(stored)
    paths = {urlsplit(h.target).path for h in sandbox.requests}
    assert paths <= {"/robots.txt", "/forum/search"} | {
        p for p in paths if re.fullmatch(r"/forum/thread/\d+", p)
    }
    searched = [h for h in sandbox.requests if h.target.startswith("/forum/search?q=")]
    assert len({h.target.split("&")[0] for h in searched}) == len(world.search_terms)


# -- edits and the re-crawl ---------------------------------------------------------------------


def test_recrawl_after_edits_stores_only_the_changed_posts_with_history(
    world: World, recrawl: Run
) -> None:
    edited = world.sandbox.content.edited_urls(world.sandbox.url)
    assert sum(recrawl.new.values()) == 0
    assert sum(recrawl.changed.values()) == len(edited)
    after = _posts(world.db)
    assert set(after) == set(world.after_first)
    conn = sqlite3.connect(world.db)
    try:
        history = conn.execute("SELECT post_id, text FROM post_history").fetchall()
    finally:
        conn.close()
    by_id = {row["id"]: url for url, row in after.items()}
    assert sorted(by_id[post_id] for post_id, _ in history) == sorted(edited)
    for post_id, old_text in history:
        post = world.sandbox.content.post(by_id[post_id])
        assert post is not None and post.edited_text is not None
        assert norm(old_text) == norm(post.text)
        assert norm(after[by_id[post_id]]["text"]) == norm(post.edited_text)
    unchanged = set(after) - set(edited)
    assert all(after[u]["text"] == world.after_first[u]["text"] for u in unchanged)
