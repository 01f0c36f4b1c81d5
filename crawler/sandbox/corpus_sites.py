"""Assemble the corpus-fed sites from held-out picks, with their nuisances.

A site's layout is written here as data: each thread, question or status is
a string of slot letters (C clue, H hard negative, O ordinary benign; the
first letter is the opening post) plus the quirks its page carries. Which
posts are reposted to another site, and which change at edition 2, is
fixed here too. The result is built once per process (`build()` is cached)
and is immutable.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from classifier.corpus import Example
from crawler.sandbox.model import Article, Board, Post, Question, Quirk, Status, Thread
from crawler.sandbox.picks import Picker, held_out_examples

Q = Quirk
BLOCKED = frozenset({Q.BLOCKED})

EDIT_NOTE = "（11月24日编辑：改了几个错别字，补充了一点说明。）"

# forum board 9 (江城杂谈): tid -> (slots, quirks). Every thread has a print view.
# Thread ids 9001.. stay clear of the hand-written boards' 1001..5099.
FORUM_BOARD_ID = 9
FORUM_BOARD_NAME = "江城杂谈"
FORUM_THREADS: dict[int, tuple[str, frozenset[Quirk]]] = {
    9001: ("CO", frozenset({Q.LINK_301})),
    9002: ("HC", frozenset({Q.LINK_302})),
    9003: ("CH", frozenset({Q.TRANSIENT_500})),
    9004: ("OC", frozenset({Q.SLOW})),
    9005: ("COH", frozenset({Q.TRUNCATED})),
    9006: ("OC", frozenset({Q.SCRIPT_TRAP})),
    9007: ("CHO", frozenset({Q.DUP_LINK})),
    9008: ("OC", frozenset({Q.ATTACHMENT})),
    9009: ("HCOCOH", frozenset()),
    9010: ("OHC", frozenset()),
}
FORUM_DELETED_TID = 9099  # listed on the board, answers 404
FORUM_BINARY_TID = 9098  # listed on the board, answers PNG bytes as text/html

# tieba bars: kw -> {thread id: (slots, quirks)}; "R" is a repost slot.
TIEBA_BARS: dict[str, dict[int, tuple[str, frozenset[Quirk]]]] = {
    "江城": {
        9101: ("COCHOCO", frozenset()),
        9102: ("HCO", frozenset({Q.MALFORMED})),
        9103: ("OC", frozenset({Q.SCRIPT_TRAP})),
        9104: ("CO", frozenset()),
        9105: ("RO", frozenset()),
        9106: ("OCH", frozenset()),
        9107: ("C", frozenset()),
    },
    "打工人": {
        9108: ("CHOC", frozenset()),
        9109: ("HC", frozenset()),
        9110: ("COO", frozenset({Q.SLOW})),
        9111: ("OC", frozenset()),
        9112: ("CHCOHO", frozenset()),
        9113: ("H", frozenset()),
        9114: ("CO", frozenset({Q.ALWAYS_500})),
    },
}
TIEBA_PRIVATE_TID = 9190  # /tieba/private/p/9190, disallowed by robots.txt
TIEBA_PRIVATE_SLOTS = "CCH"

# Q&A: question id -> slots (question first, then answers)
QUESTIONS: dict[int, tuple[str, frozenset[Quirk]]] = {
    3001: ("CHOC", frozenset()),
    3002: ("HCO", frozenset()),
    3003: ("OCHCO", frozenset()),
    3004: ("CO", frozenset()),
    3005: ("CCHO", frozenset()),
    3006: ("HOC", frozenset()),
    3007: ("O", frozenset()),
    3008: ("COHC", frozenset()),
    3009: ("HCR", frozenset()),
    3010: ("OCHO", frozenset()),
    3011: ("CH", frozenset()),
    3012: ("HOC", frozenset()),
    3013: ("CHOC", frozenset()),
    3014: ("OCO", frozenset()),
}
QA_DELETED_ID = 3099  # listed in the sitemap, answers 404

# microblog: statuses, newest first, each with its comment slots ("R": repost status)
STATUSES: list[str] = [
    "C",
    "OC",
    "CHO",
    "R",
    "HC",
    "O",
    "COO",
    "H",
    "CO",
    "OHC",
    "C",
    "R",
    "HO",
    "CC",
    "O",
    "CH",
    "H",
    "COC",
    "O",
    "CO",
    "HC",
    "OCHOCOHC",
    "C",
]
WEIBO_FIRST_ID = 5_100_000_000_000_001
WEIBO_COMMENT_FIRST_ID = 5_200_000_000_000_001

# blog: one slot per article, oldest first
ARTICLES = "HCOHCHOCHCOHHCOCHOHCOCHHOCCHOHCOHCOHCO"
ARTICLE_QUIRKS = {105: frozenset({Q.SCRIPT_TRAP}), 112: frozenset({Q.SLOW})}
BLOG_FIRST_ID = 101

# posts that change at edition 2: (site, thread/question/article id or status
# index, position) with position 1 the opening post and 2.. its replies in order
EDITED: frozenset[tuple[str, int, int]] = frozenset(
    {
        ("forum", 9001, 1),
        ("forum", 9009, 3),
        ("tieba", 9101, 1),
        ("tieba", 9109, 2),
        ("qa", 3002, 1),
        ("qa", 3005, 2),
        ("weibo", 3, 1),
        ("weibo", 3, 2),
        ("blog", 130, 1),
    }
)

NICKS = (
    "江城小雨",
    "路过的猫",
    "一颗柠檬",
    "阿杰",
    "momo",
    "不吃香菜",
    "晴天",
    "夜猫子",
    "老王说事",
    "小鱼",
    "山有木兮",
    "打工人阿强",
    "甜甜圈",
    "北方的狼",
    "半夏",
    "木子李",
)

_SPLIT = re.compile(r"[，。！？!?,.\n；;：:]")


@dataclass(frozen=True)
class CorpusSites:
    forum_board: Board
    forum_deleted_tid: int
    forum_binary_tid: int
    tieba_bars: tuple[Board, ...]
    tieba_private: Thread
    questions: tuple[Question, ...]
    qa_deleted_id: int
    statuses: tuple[Status, ...]
    articles: tuple[Article, ...]
    reposts: tuple[tuple[str, str], ...]  # (original path, repost path)


def nick(n: int) -> str:
    return f"{NICKS[n % len(NICKS)]}{(n * 37) % 100:02d}"


def title_from(text: str) -> str:
    """A title for an untitled example: its first clause, at most 20 characters."""
    for part in _SPLIT.split(text):
        if len(part.strip()) >= 4:
            return part.strip()[:20]
    return text.strip()[:20]


def _repostable(post: Post) -> bool:
    """A clue long enough to be told a repost of (near-duplicate detection skips short posts)."""
    return bool(post.categories) and len(post.text) >= 40 and not post.quirks


def _first_repostable(*groups: Iterable[Post]) -> Post:
    """The first repostable post of the first group that has one; later groups are
    fallbacks, so that a change of the corpus' held-out picks never leaves a site
    without the repost it is meant to carry."""
    for group in groups:
        for post in group:
            if _repostable(post):
                return post
    raise LookupError("the sandbox's held-out picks hold no clue long enough to repost")


def repost_edit(text: str, variant: int) -> str:
    """The text of a repost: the same message with a small edit (punctuation, a word, emoji)."""
    if variant % 3 == 0:
        edited = text.replace("，", ",").replace("。", ".").replace("！", "!")
        if edited == text:
            edited = text + "!!"
    elif variant % 3 == 1:
        for old, new in (("私聊", "私信"), ("加", "➕"), ("价格", "价钱"), ("有意", "有意向")):
            if old in text:
                edited = text.replace(old, new, 1)
                break
        else:
            edited = text.rstrip("。") + "，速来"
    else:
        edited = "🔥" + text + " 🙏"
    return edited


class _Clock:
    """Post times: each site's posts one after another from a fixed start."""

    def __init__(self, start: datetime, *, step_minutes: int) -> None:
        self.now = start
        self.step = timedelta(minutes=step_minutes)

    def tick(self) -> str:
        self.now += self.step
        return self.now.strftime("%Y-%m-%d %H:%M")


def _post(
    path: str,
    ex: Example,
    clock: _Clock,
    *,
    where: tuple[str, int, int],
    id: int,
    title: str = "",
    quirks: frozenset[Quirk] = frozenset(),
    author_seed: int | None = None,
) -> Post:
    """A post showing corpus example `ex`; `where` is its (site, key, position) in EDITED;
    the author's nickname comes from `author_seed` (default: `id`)."""
    return Post(
        site=where[0],
        path=path,
        text=ex.text,
        categories=ex.labels,
        title=title,
        author=nick(id if author_seed is None else author_seed),
        posted=clock.tick(),
        id=id,
        source=ex.id,
        edited_text=ex.text + "\n" + EDIT_NOTE if where in EDITED else None,
        quirks=quirks,
    )


def _repost(source: Post, path: str, clock: _Clock, *, id: int, variant: int) -> Post:
    """`source` shown again on another site, with a small edit."""
    return replace(
        source,
        site=path.split("/")[1],
        path=path,
        text=repost_edit(source.text, variant),
        author=nick(id),
        posted=clock.tick(),
        id=id,
        edited_text=None,
        quirks=frozenset(),
    )


@functools.cache
def build() -> CorpusSites:
    picker = Picker(held_out_examples())
    reposts: list[tuple[str, str]] = []
    forum = _forum(picker)
    bars, private = _tieba(picker, forum, reposts)
    questions = _qa(picker, bars, reposts)
    statuses = _weibo(picker, bars, questions, reposts)
    articles = _blog(picker)
    return CorpusSites(
        forum_board=forum,
        forum_deleted_tid=FORUM_DELETED_TID,
        forum_binary_tid=FORUM_BINARY_TID,
        tieba_bars=bars,
        tieba_private=private,
        questions=questions,
        qa_deleted_id=QA_DELETED_ID,
        statuses=statuses,
        articles=articles,
        reposts=tuple(reposts),
    )


def _forum(picker: Picker) -> Board:
    clock = _Clock(datetime(2026, 11, 2, 8, 0), step_minutes=47)
    threads = []
    for tid, (slots, quirks) in FORUM_THREADS.items():
        opener = picker.take_many(slots[0], site_kinds=("forum",), salt=tid, titled=True)
        replies = picker.take_many(slots[1:], site_kinds=("forum",), salt=tid, titled=False)
        title = opener[0].title or title_from(opener[0].text)
        posts = []
        for n, ex in enumerate(opener + replies, start=1):
            path = f"/forum/thread/{tid}" if n == 1 else f"/forum/thread/{tid}#pid{tid}-{n}"
            post_quirks = quirks & {Q.ALWAYS_500}
            if n == 1:
                post_quirks |= quirks & {Q.SCRIPT_TRAP}
            posts.append(
                _post(
                    path,
                    ex,
                    clock,
                    where=("forum", tid, n),
                    id=n,
                    title=title if n == 1 else "",
                    quirks=post_quirks,
                    author_seed=tid * 7 + n,
                )
            )
        threads.append(Thread(tid, title, tuple(posts), quirks | {Q.PRINT_VIEW}))
    return Board(FORUM_BOARD_ID, FORUM_BOARD_NAME, tuple(threads))


def _tieba(
    picker: Picker, forum: Board, reposts: list[tuple[str, str]]
) -> tuple[tuple[Board, ...], Thread]:
    clock = _Clock(datetime(2026, 11, 5, 9, 30), step_minutes=41)
    pid = 910_000
    source = _first_repostable(
        (t.opener for t in forum.threads), (p for t in forum.threads for p in t.posts)
    )
    bars = []
    for bar_id, (kw, threads_spec) in enumerate(TIEBA_BARS.items(), start=1):
        threads = []
        for tid, (slots, quirks) in threads_spec.items():
            posts: list[Post] = []
            title = ""
            for n, slot in enumerate(slots, start=1):
                pid += 1
                path = f"/tieba/p/{tid}" if n == 1 else f"/tieba/p/{tid}#post-{pid}"
                if slot == "R":
                    post = _repost(source, path, clock, id=pid, variant=0)
                    reposts.append((source.path, path))
                else:
                    (ex,) = picker.take_many(
                        slot, site_kinds=("tieba", "comment"), salt=pid, titled=n == 1
                    )
                    post = _post(path, ex, clock, where=("tieba", tid, n), id=pid, title=ex.title)
                post_quirks = quirks & {Q.ALWAYS_500}
                if n == 1:
                    title = post.title or title_from(post.text)
                    post_quirks |= quirks & {Q.SCRIPT_TRAP}
                    post = replace(post, title=title, quirks=post_quirks)
                else:
                    post = replace(post, title="", quirks=post_quirks)
                posts.append(post)
            threads.append(Thread(tid, title, tuple(posts), quirks))
        bars.append(Board(bar_id, kw, tuple(threads)))
    base = f"/tieba/private/p/{TIEBA_PRIVATE_TID}"
    private_posts = []
    for n, ex in enumerate(
        picker.take_many(TIEBA_PRIVATE_SLOTS, site_kinds=("tieba",), salt=TIEBA_PRIVATE_TID),
        start=1,
    ):
        pid += 1
        path = base if n == 1 else f"{base}#post-{pid}"
        where = ("tieba", TIEBA_PRIVATE_TID, n)
        private_posts.append(_post(path, ex, clock, where=where, id=pid, quirks=BLOCKED))
    title = "【会员专享】" + title_from(private_posts[0].text)
    private_posts[0] = replace(private_posts[0], title=title)
    private = Thread(TIEBA_PRIVATE_TID, title, tuple(private_posts), BLOCKED)
    return tuple(bars), private


def _qa(
    picker: Picker, bars: tuple[Board, ...], reposts: list[tuple[str, str]]
) -> tuple[Question, ...]:
    clock = _Clock(datetime(2026, 11, 8, 10, 15), step_minutes=53)
    aid = 30_000
    source = _first_repostable(
        (p for t in bars[1].threads for p in t.posts[1:]),
        (p for bar in bars for t in bar.threads for p in t.posts[1:]),
        (p for bar in bars for t in bar.threads for p in t.posts),
    )
    questions = []
    for qid, (slots, quirks) in QUESTIONS.items():
        path = f"/qa/question/{qid}"
        (ex,) = picker.take_many(slots[0], site_kinds=("qa",), salt=qid, titled=True)
        title = ex.title or title_from(ex.text)
        question = _post(path, ex, clock, where=("qa", qid, 1), id=qid, title=title)
        answers = []
        for n, slot in enumerate(slots[1:], start=2):
            aid += 1
            apath = f"{path}#answer-{aid}"
            if slot == "R":
                answers.append(_repost(source, apath, clock, id=aid, variant=1))
                reposts.append((source.path, apath))
                continue
            (ex,) = picker.take_many(slot, site_kinds=("qa", "comment"), salt=aid, titled=False)
            answers.append(_post(apath, ex, clock, where=("qa", qid, n), id=aid))
        questions.append(Question(qid, question, tuple(answers), quirks))
    return tuple(questions)


def _weibo(
    picker: Picker,
    bars: tuple[Board, ...],
    questions: tuple[Question, ...],
    reposts: list[tuple[str, str]],
) -> tuple[Status, ...]:
    clock = _Clock(datetime(2026, 11, 10, 7, 5), step_minutes=97)
    sources = [
        _first_repostable(
            (t.opener for t in bars[0].threads),
            (t.opener for bar in bars for t in bar.threads),
        ),
        _first_repostable((a for q in questions for a in q.answers), (q.post for q in questions)),
    ]
    statuses = []
    cid = WEIBO_COMMENT_FIRST_ID
    # built oldest first (so times rise), served newest first
    for n, slots in enumerate(reversed(STATUSES)):
        sid = WEIBO_FIRST_ID + n * 7919
        path = f"/weibo/status/{sid}"
        uid = 6_000_000_000 + (sid % 9973) * 11
        if slots[0] == "R":
            source = sources.pop(0)
            status = _repost(source, path, clock, id=sid, variant=2)
            status = replace(status, title="")
            reposts.append((source.path, path))
        else:
            (ex,) = picker.take_many(slots[0], site_kinds=("microblog",), salt=sid, titled=False)
            status = _post(path, ex, clock, where=("weibo", n, 1), id=sid)
        comments = []
        users = []
        kinds = ("comment", "microblog")
        for m, ex in enumerate(
            picker.take_many(slots[1:], site_kinds=kinds, salt=sid, titled=False), start=2
        ):
            where = ("weibo", n, m)
            comments.append(_post(f"{path}#comment-{cid}", ex, clock, where=where, id=cid))
            users.append(6_100_000_000 + (cid % 9973) * 13)
            cid += 1
        statuses.append(Status(sid, uid, status, tuple(comments), tuple(users)))
    statuses.reverse()
    return tuple(statuses)


def _blog(picker: Picker) -> tuple[Article, ...]:
    clock = _Clock(datetime(2026, 10, 1, 9, 0), step_minutes=19 * 60 + 7)
    articles = []
    for n, slot in enumerate(ARTICLES):
        aid = BLOG_FIRST_ID + n
        quirks = ARTICLE_QUIRKS.get(aid, frozenset())
        if Q.SCRIPT_TRAP in quirks:
            slot = "O"
        kinds = ("news", "gov") if slot != "C" else ("forum", "classifieds", "qa")
        (ex,) = picker.take_many(slot, site_kinds=kinds, salt=aid, titled=True)
        post = _post(
            f"/blog/post/{aid}",
            ex,
            clock,
            where=("blog", aid, 1),
            id=aid,
            title=ex.title or title_from(ex.text),
            quirks=quirks & {Q.SCRIPT_TRAP},
        )
        articles.append(Article(aid, post, summarize(ex.text), quirks))
    return tuple(articles)


def summarize(text: str) -> str:
    """A feed summary: the first 40 characters, or half of a shorter text, then an ellipsis."""
    flat = " ".join(text.split())
    cut = 40 if len(flat) > 48 else max(4, len(flat) // 2)
    return flat[:cut] + "…"
