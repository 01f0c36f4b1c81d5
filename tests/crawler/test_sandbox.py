"""The sandbox web itself, over real HTTP: each site's pages, encodings, nuisances and content.

Tests that change a sandbox's state (rate limit, `advance()`, first-request
failures) start their own; the rest share one module sandbox.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit
from urllib.robotparser import RobotFileParser

import pytest

from crawler.sandbox.content import SITES, SandboxContent
from crawler.sandbox.picks import held_out_examples
from crawler.sandbox.ratelimit import SlidingWindowLimit
from crawler.sandbox.server import DISALLOWED, Sandbox
from crawler.sandbox.sites.blobs import DEFAULT_BIG_PAGE_BYTES
from index.neardup import SIMILARITY, signature, similarities

TRAP_WORDS = ("fake_ad_88", "showAd", "100000888")


@pytest.fixture(scope="module")
def web() -> Iterator[Sandbox]:
    with Sandbox(slow_seconds=0.3, bench_threads=120) as running:
        yield running


class Fetched:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def fetch(sandbox: Sandbox, target: str) -> Fetched:
    """One GET without following redirects."""
    parts = urlsplit(sandbox.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        return Fetched(response.status, response.headers, response.read())
    finally:
        conn.close()


def norm(text: str) -> str:
    return " ".join(text.split())


def visible(markup: str) -> str:
    """Text of a page without tags, scripts and styles, whitespace collapsed."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", "", markup, flags=re.DOTALL)
    return norm(html.unescape(re.sub(r"<[^>]+>", " ", markup)))


# -- whole host --------------------------------------------------------------------


def test_robots_txt_disallows_the_private_and_admin_areas_only(web: Sandbox) -> None:
    robots = fetch(web, "/robots.txt")
    assert robots.status == 200 and robots.content_type.startswith("text/plain")
    parser = RobotFileParser()
    parser.parse(robots.body.decode().splitlines())
    for path in DISALLOWED:
        assert not parser.can_fetch("cluewatch", web.url + path + "x")
    private = web.content.corpus.tieba_private.opener.page_path
    assert not parser.can_fetch("cluewatch", web.url + private)
    for path in ("/forum/thread/9001", "/forum/search?q=x", "/tieba/p/9101", "/qa/sitemap.xml"):
        assert parser.can_fetch("cluewatch", web.url + path), path


def test_every_request_is_logged_with_its_status(web: Sandbox) -> None:
    before = len(web.requests)
    fetch(web, "/forum/board/9?page=2")
    fetch(web, "/nowhere")
    logged = web.requests[before:]
    assert [(h.method, h.target, h.status) for h in logged[-2:]] == [
        ("GET", "/forum/board/9?page=2", 200),
        ("GET", "/nowhere", 404),
    ]
    assert logged[-2].at <= logged[-1].at


# -- content -----------------------------------------------------------------------


def test_content_is_deterministic_and_corpus_posts_come_from_the_held_out_split() -> None:
    first, second = SandboxContent.load(), SandboxContent.load()
    assert list(first.posts()) == list(second.posts())
    held_out = {e.id for e in held_out_examples()}
    corpus_posts = [p for p in first.posts() if p.source != "yaml"]
    assert len(corpus_posts) > 150
    assert all(p.source in held_out for p in corpus_posts)
    # no corpus example shown twice, except reposts (which are edited copies)
    reposts = {b for _, b in first.corpus.reposts}
    sources = [p.source for p in corpus_posts if p.path not in reposts]
    assert len(sources) == len(set(sources))


def test_expectations_cover_reachable_posts_once_per_url(web: Sandbox) -> None:
    expected = web.content.expectations(web.url)
    every = [p.url(web.url) for p in web.content.posts()]
    assert len(every) == len(set(every))
    blocked, unreachable = web.content.blocked_urls(web.url), web.content.unreachable_urls(web.url)
    assert blocked and unreachable
    assert set(expected) == set(every) - set(blocked) - set(unreachable)
    for site in SITES:
        per_site = web.content.expectations(web.url, sites=[site])
        assert per_site and all(f"/{site}/" in url for url in per_site)
        assert any(per_site.values()) and not all(per_site.values())  # clues and benign


def test_reposts_are_near_duplicates_of_their_originals(web: Sandbox) -> None:
    pairs = web.content.repost_pairs(web.url)
    assert len(pairs) == 4
    for original, repost in pairs:
        a, b = web.content.post(original), web.content.post(repost)
        assert a and b and a.site != b.site and a.text != b.text
        sig_a, sig_b = signature(a.text), signature(b.text)
        assert sig_a and sig_b
        assert similarities(sig_a, [sig_b])[0] >= SIMILARITY, (original, repost)


def test_script_traps_are_in_benign_posts_and_only_in_markup(web: Sandbox) -> None:
    traps = web.content.script_trap_urls(web.url)
    assert {urlsplit(u).path.split("/")[1] for u in traps} == {"forum", "tieba", "blog"}
    for url in traps:
        post = web.content.post(url)
        assert post is not None and post.categories == ()
        assert not any(word in post.text for word in TRAP_WORDS)
        page = fetch(web, urlsplit(url).path)
        assert all(word.encode() in page.body for word in TRAP_WORDS)


# -- forum ---------------------------------------------------------------------------


def test_forum_thread_page_has_the_markup_the_site_config_reads(web: Sandbox) -> None:
    page = fetch(web, "/forum/thread/9009?page=2")
    assert page.content_type == "text/html; charset=utf-8"
    html = page.body.decode()
    assert '<h1 class="thread-title">' in html
    floors = re.findall(r'<div class="floor" id="pid9009-(\d+)" data-floor="(\d+)">', html)
    assert floors == [("6", "6")]  # 5 floors a page
    assert re.search(r'<time class="floor-time" datetime="\d{4}-\d\d-\d\d \d\d:\d\d">', html)
    assert 'class="prev-page" href="/forum/thread/9009?page=1"' in html
    assert '<link rel="canonical" href="/forum/thread/9009">' in html


def test_forum_redirects_answer_301_and_a_two_hop_302(web: Sandbox) -> None:
    moved = fetch(web, "/forum/viewthread.php?tid=9001")
    assert moved.status == 301 and moved.headers["Location"] == web.url + "/forum/thread/9001"
    hop1 = fetch(web, "/forum/redirect.php?tid=9002&goto=lastpost")
    assert hop1.status == 302 and hop1.headers["Location"] == "/forum/goto/9002"
    hop2 = fetch(web, hop1.headers["Location"])
    assert hop2.status == 302 and hop2.headers["Location"] == "/forum/thread/9002"
    assert fetch(web, "/forum/thread/9002").status == 200


def test_forum_failures_404_transient_500_and_permanent_500() -> None:
    with Sandbox() as fresh:
        assert fetch(fresh, "/forum/thread/9099").status == 404
        assert [fetch(fresh, "/forum/thread/9003").status for _ in range(3)] == [500, 200, 200]
        assert [fetch(fresh, "/tieba/p/9114").status for _ in range(2)] == [500, 500]
        board = fetch(fresh, "/forum/board/9").body.decode()
        assert 'href="/forum/thread/9099"' in board and 'href="/forum/thread/9003"' in board


def test_slow_truncated_and_binary_pages(web: Sandbox) -> None:
    started = time.monotonic()
    assert fetch(web, "/forum/thread/9004").status == 200
    assert time.monotonic() - started >= 0.3
    truncated = fetch(web, "/forum/thread/9005").body
    assert truncated.endswith(b'<div class="pag') and b"</html>" not in truncated
    for post in web.content.threads[9005].posts:
        assert norm(post.text) in visible(truncated.decode())
    binary = fetch(web, "/forum/thread/9098")
    assert binary.status == 200 and binary.content_type == "text/html"
    assert binary.body.startswith(b"\x89PNG\r\n\x1a\n") and b"\x00" in binary.body[:64]
    attachment = fetch(web, "/forum/attachment/900801")
    assert attachment.content_type == "text/html" and attachment.body.startswith(b"\x89PNG")


def test_the_archive_page_is_50_mb_sent_in_chunks(web: Sandbox) -> None:
    page = fetch(web, "/forum/archive/all.html")
    assert int(page.headers["Content-Length"]) == DEFAULT_BIG_PAGE_BYTES == 50 * 1024 * 1024
    assert len(page.body) == DEFAULT_BIG_PAGE_BYTES
    assert page.body.startswith(b"<!DOCTYPE html>") and page.body.endswith(b"</html>")
    with Sandbox(big_page_bytes=4096) as small:
        assert len(fetch(small, "/forum/archive/all.html").body) == 4096


def test_the_same_post_under_several_urls(web: Sandbox) -> None:
    board = fetch(web, "/forum/board/9").body.decode()
    assert 'href="/forum/thread/9007?from=board"' in board
    duplicate = fetch(web, "/forum/thread/9007?from=board").body.decode()
    assert '<link rel="canonical" href="/forum/thread/9007">' in duplicate
    printed = fetch(web, "/forum/thread/9009/print").body.decode()
    assert '<link rel="canonical" href="/forum/thread/9009">' in printed
    thread = web.content.threads[9009]
    ids = re.findall(r'<div class="floor" id="(pid9009-\d+)" data-floor="\d+">', printed)
    assert ids == [f"pid9009-{n}" for n in range(1, len(thread.posts) + 1)]


def test_admin_pages_are_listed_but_forbidden(web: Sandbox) -> None:
    board = fetch(web, "/forum/board/9?page=2").body.decode()
    assert 'class="thread-link" href="/forum/admin/' in board
    assert fetch(web, "/forum/admin/pending.php?fid=9").status == 403


def test_forum_search_finds_floors_and_pages_through_results(web: Sandbox) -> None:
    thread = web.content.threads[9009]
    term = norm(thread.posts[5].text)[:6]  # floor 6, on the thread's page 2
    found = fetch(web, f"/forum/search?q={quote(term)}").body.decode()
    assert 'href="/forum/thread/9009?page=2"' in found
    common = fetch(web, f"/forum/search?q={quote('的')}").body.decode()
    total = int(re.search(r"共 (\d+) 条结果", common).group(1))  # type: ignore[union-attr]
    assert total > 20 and len(re.findall(r'class="result-link"', common)) == 10
    assert f'class="next-page" href="/forum/search?q={quote("的")}&amp;page=2"' in common
    last = -(-total // 10)
    assert fetch(web, f"/forum/search?q={quote('的')}&page={last}").status == 200
    assert fetch(web, f"/forum/search?q={quote('的')}&page={last + 1}").status == 404
    links = re.findall(r'class="result-link" href="([^"]+)"', common)
    assert all(re.fullmatch(r"/forum/thread/\d+(\?page=\d+)?", link) for link in links)


# -- encodings -------------------------------------------------------------------------


def test_classifieds_are_gbk_declared_in_the_header(web: Sandbox) -> None:
    listing = next(iter(web.content.listings.values()))
    page = fetch(web, listing.post.path)
    assert page.content_type == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    assert listing.post.title in page.body.decode("gbk")


def test_tieba_is_gb18030_declared_only_in_a_meta_tag(web: Sandbox) -> None:
    thread = web.content.tieba_threads[9101]
    page = fetch(web, "/tieba/p/9101")
    assert page.content_type == "text/html"  # no charset in the header
    assert b'<meta charset="gb18030">' in page.body[:200]
    html = page.body.decode("gb18030")
    assert thread.title in html
    for post in thread.posts[:5]:
        assert f'id="post-{post.id}"' in html
        assert norm(post.text) in visible(html)
    assert 'href="/tieba/p/9101?pn=2">下一页</a>' in html


def test_tieba_bar_lists_threads_by_offset_and_the_private_thread(web: Sandbox) -> None:
    first = fetch(web, f"/tieba/f?kw={quote('江城')}").body.decode("gb18030")
    assert len(re.findall(r'class="j_th_tit"', first)) == 5
    assert 'href="/tieba/private/p/9190"' in first
    assert f'href="/tieba/f?kw={quote("江城")}&amp;pn=5"' in first
    second = fetch(web, f"/tieba/f?kw={quote('江城')}&pn=5").body.decode("gb18030")
    assert len(re.findall(r'class="j_th_tit"', second)) == 3


def test_qa_is_gbk_declared_nowhere(web: Sandbox) -> None:
    question = web.content.questions[3001]
    with Sandbox(qa_limit=0) as unlimited:
        page = fetch(unlimited, "/qa/question/3001")
    assert page.content_type == "text/html"
    assert b"charset" not in page.body.lower()
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    html = page.body.decode("gbk")
    assert question.post.title in html
    for answer in question.answers:
        assert f'id="answer-{answer.id}"' in html and norm(answer.text) in visible(html)


# -- Q&A rate limit and sitemap ----------------------------------------------------------


def test_qa_answers_429_with_retry_after_and_serves_again_after_the_wait() -> None:
    with Sandbox(qa_limit=3, qa_window=1.0) as limited:
        statuses = [fetch(limited, "/qa/list?page=1").status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = fetch(limited, "/qa/")
        assert refused.status == 429 and refused.headers["Retry-After"] == "1"
        assert fetch(limited, "/forum/").status == 200  # other sites are not limited
        time.sleep(float(refused.headers["Retry-After"]))
        assert fetch(limited, "/qa/").status == 200


def test_sliding_window_counts_only_served_requests() -> None:
    now = [100.0]
    limit = SlidingWindowLimit(limit=2, window=1.0, clock=lambda: now[0])
    assert limit.retry_after("a") is None and limit.retry_after("a") is None
    assert limit.retry_after("a") == 1 and limit.retry_after("b") is None
    now[0] += 0.5
    assert limit.retry_after("a") == 1  # refused requests do not extend the wait
    now[0] += 0.5
    assert limit.retry_after("a") is None
    with pytest.raises(ValueError):
        SlidingWindowLimit(limit=0, window=1.0)


def test_qa_sitemap_lists_every_question_and_a_deleted_one() -> None:
    with Sandbox(qa_limit=0) as unlimited:
        sitemap = fetch(unlimited, "/qa/sitemap.xml")
        assert sitemap.content_type.startswith("application/xml")
        root = ET.fromstring(sitemap.body)
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        locs = [loc.text or "" for loc in root.findall("s:url/s:loc", ns)]
        questions = {unlimited.url + q.post.path for q in unlimited.content.corpus.questions}
        deleted = f"{unlimited.url}/qa/question/{unlimited.content.corpus.qa_deleted_id}"
        assert set(locs) == questions | {deleted}
        assert fetch(unlimited, urlsplit(deleted).path).status == 404


# -- microblog ------------------------------------------------------------------------------


def _json(sandbox: Sandbox, target: str) -> dict[str, object]:
    page = fetch(sandbox, target)
    assert page.content_type == "application/json; charset=utf-8"
    value = json.loads(page.body)
    assert isinstance(value, dict)
    return value


def test_weibo_timeline_pages_by_opaque_cursor(web: Sandbox) -> None:
    seen: list[str] = []
    target = "/weibo/api/timeline"
    while True:
        data = _json(web, target)["data"]
        assert isinstance(data, dict)
        statuses = data["statuses"]
        assert isinstance(statuses, list) and statuses
        seen.extend(s["idstr"] for s in statuses)
        if not data["next_cursor"]:
            break
        target = f"/weibo/api/timeline?cursor={data['next_cursor']}"
    assert seen == [str(s.id) for s in web.content.corpus.statuses]
    assert _json(web, "/weibo/api/timeline?cursor=bogus")["ok"] == 0
    shell = fetch(web, "/weibo/").body.decode()
    assert 'id="app"' in shell and "statuses" not in shell


def test_weibo_comments_page_by_cursor_and_the_status_page_shows_them(web: Sandbox) -> None:
    status = max(web.content.corpus.statuses, key=lambda s: len(s.comments))
    assert len(status.comments) > 3  # more than one page of comments
    ids: list[int] = []
    target = f"/weibo/api/comments?id={status.id}"
    while True:
        data = _json(web, target)["data"]
        assert isinstance(data, dict) and data["status_id"] == status.id
        ids.extend(c["id"] for c in data["comments"])  # type: ignore[attr-defined]
        if not data["next_cursor"]:
            break
        target = f"/weibo/api/comments?id={status.id}&cursor={data['next_cursor']}"
    assert ids == [c.id for c in status.comments]
    page = fetch(web, status.post.path).body.decode()
    assert all(f'id="comment-{c.id}"' in page for c in status.comments)
    assert _json(web, "/weibo/api/comments?id=1")["ok"] == 0


# -- blog feeds ------------------------------------------------------------------------------


def test_rss_and_atom_feeds_list_the_newest_articles(web: Sandbox) -> None:
    articles = web.content.corpus.articles
    newest = [web.url + a.post.path for a in reversed(articles)][:20]
    rss = ET.fromstring(fetch(web, "/blog/rss.xml").body)
    assert [i.findtext("link") for i in rss.iter("item")] == newest
    atom_ns = "{http://www.w3.org/2005/Atom}"
    atom = ET.fromstring(fetch(web, "/blog/atom.xml").body)
    links = [e.find(f"{atom_ns}link").get("href") for e in atom.iter(f"{atom_ns}entry")]  # type: ignore[union-attr]
    assert links == newest
    oldest_in_feed = fetch(web, urlsplit(newest[-1]).path).body.decode()
    assert 'class="prev-post"' in oldest_in_feed  # older articles are reached from there


# -- edits ------------------------------------------------------------------------------------


def test_advance_changes_exactly_the_edited_posts() -> None:
    with Sandbox(qa_limit=0) as fresh:
        edited = fresh.content.edited_urls(fresh.url)
        assert {urlsplit(u).path.split("/")[1] for u in edited} == set(SITES) - {"classifieds"}
        forum = next(fresh.content.post(u) for u in edited if "/forum/" in u)
        blog = next(fresh.content.post(u) for u in edited if "/blog/" in u)
        assert forum and blog and forum.edited_text and blog.edited_text
        untouched = fresh.content.threads[9002].opener
        before = fetch(fresh, forum.page_path).body.decode()
        atom_before = fetch(fresh, "/blog/atom.xml").body
        assert norm(forum.text) in visible(before)
        assert fresh.advance() == 2 and fresh.edition == 2
        after = fetch(fresh, forum.page_path).body.decode()
        assert norm(forum.edited_text) in visible(after) and before != after
        assert norm(untouched.text) in visible(fetch(fresh, untouched.page_path).body.decode())
        assert norm(blog.edited_text) in visible(fetch(fresh, blog.page_path).body.decode())
        assert fetch(fresh, "/blog/atom.xml").body != atom_before  # <updated> moved on


# -- bench --------------------------------------------------------------------------------------


def test_bench_site_lists_and_serves_generated_threads(web: Sandbox) -> None:
    first = fetch(web, "/bench/list/1").body.decode()
    assert len(re.findall(r'class="thread-link"', first)) == 50
    assert 'class="next-page" href="/bench/list/2"' in first
    last = fetch(web, "/bench/list/3").body.decode()
    assert len(re.findall(r'class="thread-link"', last)) == 20 and "next-page" not in last
    assert fetch(web, "/bench/list/4").status == 404
    expected = web.bench_expectations()
    thread_urls = {u.split("#")[0] for u in expected}
    assert len(thread_urls) == 120 and len(expected) > 120
    page = fetch(web, "/bench/thread/7").body.decode()
    floors = re.findall(r'<div class="floor" id="(pid7-\d+)" data-floor="\d+">', page)
    assert len(floors) == sum(1 for u in expected if u.split("#")[0].endswith("/bench/thread/7"))
    assert fetch(web, "/bench/thread/121").status == 404


def test_without_bench_threads_there_is_no_bench_site() -> None:
    with Sandbox(qa_limit=0) as plain:
        assert fetch(plain, "/bench/list/1").status == 404 and plain.bench_expectations() == {}


# -- the command ------------------------------------------------------------------------------


def test_cluewatch_sandbox_serve_serves_every_site(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).parent / "cluewatch"), "sandbox", "serve", "--port"]
    server = subprocess.Popen(
        [*command, str(port), "--slow-seconds", "0.1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line and "/weibo/" in line, line
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for target in ("/robots.txt", "/forum/", "/tieba/", "/classifieds/", "/qa/", "/blog/"):
            conn.request("GET", target)
            response = conn.getresponse()
            assert response.status == 200 and response.read(), target
        conn.request("GET", "/weibo/api/timeline")
        assert json.loads(conn.getresponse().read())["ok"] == 1
        conn.close()
    finally:
        server.terminate()
        server.communicate(timeout=10)
