"""`/bench/`: a forum of `threads` generated pages for crawl benchmarks (UTF-8).

Only mounted when `Sandbox(bench_threads=N)` has N > 0. Nothing is kept per
thread: every page is computed from its number, with text drawn from the
whole labelled corpus and the thread id mixed into every floor, so each page
is distinct.

URLs
  /bench/list/{page}       page 1..ceil(N/50): 50 `a.thread-link` (href
                           /bench/thread/{id}) in `ul.threads`, `a.next-page`
                           to the next list page (absent on the last)
  /bench/thread/{id}       id 1..N: `h1.thread-title`, then 1-3 `div.floor`
                           (`id="pid{id}-{n}"`, `data-floor`) with
                           `span.floor-author`, `time.floor-time` (`datetime`)
                           and `div.floor-body` (one <p>), the forum's markup
Stored URLs: floor 1 /bench/thread/{id}, later floors /bench/thread/{id}#pid{id}-{n}.
"""

from __future__ import annotations

import functools
import re

from classifier.corpus import DEFAULT_CORPUS, Example, load_corpus
from crawler.sandbox.corpus_sites import nick, title_from
from crawler.sandbox.web import Request, Response, esc

PER_PAGE = 50
_THREAD = re.compile(r"/bench/thread/(\d+)")
_LIST = re.compile(r"/bench/list/(\d+)")


@functools.cache
def _corpus() -> tuple[Example, ...]:
    return tuple(sorted(load_corpus([DEFAULT_CORPUS]), key=lambda e: e.id))


def bench_floors(thread_id: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """(title, text, categories) per floor of bench thread `thread_id`; title only on floor 1."""
    corpus = _corpus()
    floors = []
    for n in range(1, 2 + thread_id % 3):
        ex = corpus[(thread_id * 2_654_435_761 + n * 40_503) % len(corpus)]
        title = f"{ex.title or title_from(ex.text)} #{thread_id}" if n == 1 else ""
        floors.append((title, f"{ex.text}（帖{thread_id}-{n}）", ex.labels))
    return floors


def bench_expectations(base_url: str, threads: int) -> dict[str, list[str]]:
    """Expected categories per stored URL of a bench site with `threads` threads."""
    base = base_url.rstrip("/")
    out = {}
    for tid in range(1, threads + 1):
        for n, (_, _, labels) in enumerate(bench_floors(tid), start=1):
            suffix = "" if n == 1 else f"#pid{tid}-{n}"
            out[f"{base}/bench/thread/{tid}{suffix}"] = list(labels)
    return out


class BenchSite:
    def __init__(self, *, threads: int) -> None:
        self.threads = threads
        self.pages = max(1, -(-threads // PER_PAGE))
        _corpus()  # load now, not on the first timed request

    def handle(self, request: Request) -> Response | None:
        if m := _THREAD.fullmatch(request.path):
            tid = int(m.group(1))
            return self._thread(tid) if 1 <= tid <= self.threads else Response.not_found()
        if m := _LIST.fullmatch(request.path):
            page_no = int(m.group(1))
            return self._list(page_no) if 1 <= page_no <= self.pages else Response.not_found()
        if request.path == "/bench/":
            return Response.redirect("/bench/list/1", status=302)
        return None

    def _list(self, page_no: int) -> Response:
        first = (page_no - 1) * PER_PAGE + 1
        last = min(self.threads, first + PER_PAGE - 1)
        rows = "".join(
            f'<li><a class="thread-link" href="/bench/thread/{tid}">主题 {tid}</a></li>'
            for tid in range(first, last + 1)
        )
        nxt = (
            f'<a class="next-page" href="/bench/list/{page_no + 1}">下一页</a>'
            if page_no < self.pages
            else ""
        )
        html = (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>bench</title></head><body>'
            f'<ul class="threads">{rows}</ul><div class="pager">{nxt}</div></body></html>'
        )
        return Response.html(html, "utf-8")

    def _thread(self, tid: int) -> Response:
        floors = bench_floors(tid)
        title = floors[0][0]
        minute = tid % 60
        html_floors = "".join(
            f'<div class="floor" id="pid{tid}-{n}" data-floor="{n}">'
            f'<span class="floor-author">{esc(nick(tid + n))}</span> '
            f'<time class="floor-time" datetime="2026-11-20 10:{minute:02d}">2026-11-20 10:{minute:02d}</time>'
            f'<div class="floor-body"><p>{esc(text)}</p></div></div>'
            for n, (_, text, _) in enumerate(floors, start=1)
        )
        html = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(title)}</title></head>'
            f'<body><h1 class="thread-title">{esc(title)}</h1>{html_floors}</body></html>'
        )
        return Response.html(html, "utf-8")
