"""`/weibo/`: a microblog whose home page is an empty JavaScript shell; posts come from a JSON API.

URLs
  /weibo/                          HTML shell: no posts, `<div id="app">`, a
                                   `window.$CONFIG` with the API paths, /weibo/static/app.js
  /weibo/api/timeline?cursor=X     statuses, newest first, 8 per call (UTF-8 JSON)
  /weibo/api/comments?id=ID&cursor=X  comments of status ID, oldest first, 3 per call
  /weibo/status/ID                 the status and its comments as HTML (UTF-8)

Timeline JSON:
  {"ok": 1, "data": {"statuses": [STATUS, ...], "next_cursor": "..."}}
  STATUS = {"id": int, "idstr": str, "text": HTML, "created_at": "Mon Nov 23 10:00:00 +0800 2026",
            "source": str, "user": {"id": int, "screen_name": str},
            "comments_count": int, "reposts_count": int, "attitudes_count": int}
Start without `cursor` (or with it empty); pass `next_cursor` back verbatim.
Cursors are opaque; the last page has `"next_cursor": ""`. A bad cursor or
unknown id answers 200 with `{"ok": 0, "msg": ...}`, as the real API does.
`text` is HTML: lines joined by `<br />`, `#topic#` and `@name` wrapped in
<a> (links to /weibo/search, which this sandbox does not serve), emoji as Unicode characters.

Comments JSON:
  {"ok": 1, "data": {"status_id": int, "total_number": int, "comments": [COMMENT, ...],
                     "next_cursor": "..."}}   ("" on the last page, as the timeline)
  COMMENT = {"id": int, "idstr": str, "text": HTML, "created_at": ..., "user": {...},
             "reply_to_status_id": int}

Status page markup: `article.status` (`id="status-{ID}"`, `data-id`) with
`a.screen-name`, `time.created-at` (`datetime` ISO 8601) and
`div.status-text`; comments in `section.comments`, one `div.comment` each
with `id="comment-{cid}"`, `a.screen-name`, `div.comment-text` and
`time.created-at`. A status is stored as /weibo/status/ID, a comment as
/weibo/status/ID#comment-{cid}.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from urllib.parse import quote

from crawler.sandbox.content import SandboxContent
from crawler.sandbox.model import Post, Status
from crawler.sandbox.web import Request, Response, SandboxState, br_lines, esc, page

PAGE_SIZE = 8
COMMENTS_PAGE_SIZE = 3
SOURCES = ("iPhone客户端", "Android", "微博网页版", "HUAWEI Mate")

APP_JS = """(function () {
  var cfg = window.$CONFIG;
  function load(cursor) {
    fetch(cfg.timeline + "?cursor=" + encodeURIComponent(cursor || ""))
      .then(function (r) { return r.json(); })
      .then(function (j) {
        j.data.statuses.forEach(function (s) {
          var a = document.createElement("a");
          a.href = "/weibo/status/" + s.idstr;
          a.innerHTML = s.text;
          document.getElementById("app").appendChild(a);
        });
        if (j.data.next_cursor) { load(j.data.next_cursor); }
      });
  }
  load("");
})();
"""

_TOPIC = re.compile(r"#([^#<>\s]{1,30})#")
_MENTION = re.compile(r"@([\w\u4e00-\u9fff-]{1,20})")


def weibo_time(posted: str) -> str:
    """'YYYY-MM-DD HH:MM' in the API's format, 'Mon Nov 23 10:00:00 +0800 2026'."""
    return datetime.strptime(posted, "%Y-%m-%d %H:%M").strftime("%a %b %d %H:%M:%S +0800 %Y")


def status_html(text: str) -> str:
    """Post text as the API's HTML: <br /> between lines, topics and mentions as links."""
    out = br_lines(text, "<br />")
    out = _TOPIC.sub(
        lambda m: f'<a class="topic" href="/weibo/search?q={quote(m.group(1))}">#{m.group(1)}#</a>',
        out,
    )
    return _MENTION.sub(
        lambda m: (
            f'<a class="mention" href="/weibo/search?q={quote(m.group(1))}">@{m.group(1)}</a>'
        ),
        out,
    )


def encode_cursor(item_id: int, kind: str = "tl1") -> str:
    """An opaque cursor naming the first item of the next page (`kind` tl1: timeline, cm1: comments)."""
    return base64.urlsafe_b64encode(f"{kind}|{item_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str = "tl1") -> int | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    prefix, _, value = raw.partition("|")
    return int(value) if prefix == kind and value.isdigit() else None


class WeiboSite:
    def __init__(self, content: SandboxContent, state: SandboxState) -> None:
        self.content = content
        self.state = state
        self.statuses = content.corpus.statuses
        self.index = {s.id: n for n, s in enumerate(self.statuses)}

    def handle(self, request: Request) -> Response | None:
        path = request.path
        if path == "/weibo/":
            return self._shell()
        if path == "/weibo/static/app.js":
            return Response(200, {"Content-Type": "application/javascript"}, APP_JS.encode())
        if path == "/weibo/api/timeline":
            return self._timeline(request.arg("cursor"))
        if path == "/weibo/api/comments":
            raw_id = request.arg("id")
            status = self.content.statuses.get(int(raw_id)) if raw_id.isdigit() else None
            if status is None:
                return Response.json({"ok": 0, "msg": "该微博不存在或已被删除"})
            return self._comments(status, request.arg("cursor"))
        if m := re.fullmatch(r"/weibo/status/(\d+)", path):
            status = self.content.statuses.get(int(m.group(1)))
            return self._status_page(status) if status else Response.not_found()
        return None

    def _shell(self) -> Response:
        body = (
            '<div id="app"><noscript>请开启 JavaScript 后浏览微博</noscript></div>'
            '<script>window.$CONFIG={"timeline":"/weibo/api/timeline",'
            '"comments":"/weibo/api/comments","status":"/weibo/status/"};</script>'
            '<script src="/weibo/static/app.js"></script>'
        )
        return Response.html(page("沙盒微博", body, "utf-8"), "utf-8")

    def _user(self, uid: int, post: Post) -> dict[str, object]:
        return {"id": uid, "screen_name": post.author}

    def _status_json(self, s: Status) -> dict[str, object]:
        p = s.post
        return {
            "id": s.id,
            "idstr": str(s.id),
            "text": status_html(p.text_at(self.state.edition)),
            "created_at": weibo_time(p.posted),
            "source": SOURCES[s.id % len(SOURCES)],
            "user": self._user(s.user_id, p),
            "comments_count": len(s.comments),
            "reposts_count": s.id % 7,
            "attitudes_count": s.id % 53,
        }

    def _timeline(self, cursor: str) -> Response:
        start = 0
        if cursor:
            sid = decode_cursor(cursor)
            if sid is None or sid not in self.index:
                return Response.json({"ok": 0, "msg": "cursor invalid"})
            start = self.index[sid]
        chunk = self.statuses[start : start + PAGE_SIZE]
        after = start + PAGE_SIZE
        next_cursor = encode_cursor(self.statuses[after].id) if after < len(self.statuses) else ""
        return Response.json(
            {
                "ok": 1,
                "data": {
                    "statuses": [self._status_json(s) for s in chunk],
                    "next_cursor": next_cursor,
                },
            }
        )

    def _comments(self, s: Status, cursor: str) -> Response:
        edition = self.state.edition
        pairs = list(zip(s.comments, s.comment_user_ids, strict=True))
        start = 0
        if cursor:
            cid = decode_cursor(cursor, "cm1")
            ids = [c.id for c, _ in pairs]
            if cid is None or cid not in ids:
                return Response.json({"ok": 0, "msg": "cursor invalid"})
            start = ids.index(cid)
        chunk = pairs[start : start + COMMENTS_PAGE_SIZE]
        after = start + COMMENTS_PAGE_SIZE
        comments = [
            {
                "id": c.id,
                "idstr": str(c.id),
                "text": status_html(c.text_at(edition)),
                "created_at": weibo_time(c.posted),
                "user": self._user(uid, c),
                "reply_to_status_id": s.id,
            }
            for c, uid in chunk
        ]
        data = {
            "status_id": s.id,
            "total_number": len(pairs),
            "comments": comments,
            "next_cursor": encode_cursor(pairs[after][0].id, "cm1") if after < len(pairs) else "",
        }
        return Response.json({"ok": 1, "data": data})

    def _status_page(self, s: Status) -> Response:
        edition = self.state.edition
        p = s.post

        def when(post: Post) -> str:
            iso = post.posted.replace(" ", "T") + ":00+08:00"
            return f'<time class="created-at" datetime="{iso}">{esc(post.posted)}</time>'

        comments = "".join(
            f'<div class="comment" id="comment-{c.id}" data-id="{c.id}">'
            f'<a class="screen-name" data-uid="{uid}">{esc(c.author)}</a>：'
            f'<div class="comment-text">{status_html(c.text_at(edition))}</div>{when(c)}</div>'
            for c, uid in zip(s.comments, s.comment_user_ids, strict=True)
        )
        body = (
            '<div class="weibo-detail"><a href="/weibo/">返回首页</a>'
            f'<article class="status" id="status-{s.id}" data-id="{s.id}">'
            f'<header class="status-head"><a class="screen-name" data-uid="{s.user_id}">'
            f"{esc(p.author)}</a> {when(p)}</header>"
            f'<div class="status-text">{status_html(p.text_at(edition))}</div>'
            f"<footer>评论 {len(s.comments)}</footer></article>"
            f'<section class="comments">{comments}</section></div>'
        )
        title = (p.text_at(edition).splitlines() or [""])[0][:30]
        return Response.html(page(f"{title} - 沙盒微博", body, "utf-8"), "utf-8")
