"""What one clue becomes in a bundle: its `clues.json` record, its `clues.csv`
row and its `extraction.json` record (电子数据网络在线提取).

Pure functions over what the builder gathered from the store and the evidence
directory (`ClueSources`); nothing here reads the store. Personal data: the
post, its scores and why, its contacts and actor, who vetted it and the police
feedback; never analysts' passwords or sessions, never unrelated posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cluewatch.taxonomy import CATEGORY_NAMES_ZH
from index.models import Actor, AuditEvent, Feedback, ScoredPost, Verdict
from review_app.bundles import format as fmt

TOOL = "cluewatch"
# Excel reads a cell starting with these as a formula: crawled text must not be one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CELL_LIMIT = 32_000  # Excel's cell limit is 32,767 characters
CSV_COLUMNS = [
    ("clue_id", "线索编号"),
    ("site", "网站"),
    ("url", "网址"),
    ("title", "标题"),
    ("text", "正文"),
    ("category", "类别"),
    ("category_zh", "类别名称"),
    ("score", "线索分"),
    ("terms", "命中词"),
    ("contacts", "联系方式"),
    ("author", "发帖人"),
    ("published_cst", "发布时间（北京时间）"),
    ("captured_cst", "采集时间（北京时间）"),
    ("vetted_by", "研判人"),
    ("content_sha256", "内容SHA-256"),
    ("raw_sha256", "原始网页SHA-256"),
    ("evidence", "证据目录"),
    ("feedback", "处置反馈"),
]


@dataclass
class EvidenceItem:
    kind: str  # response_body | warc | capture_record | screenshot
    path: str
    sha256: str
    size: int


@dataclass
class ClueSources:
    """Everything the bundle says about one clue, gathered by the builder."""

    sp: ScoredPost
    verdicts: list[Verdict]
    feedback: list[Feedback]
    events: list[AuditEvent]  # oldest first
    actor: Actor | None
    history: list[dict[str, Any]]
    related: list[dict[str, Any]]
    capture: dict[str, Any] | None
    evidence: list[EvidenceItem] = field(default_factory=list)
    screenshot_problem: str | None = None
    evidence_problem: str | None = None


def clue_record(src: ClueSources, bundle_id: str) -> dict[str, Any]:
    sp, post = src.sp, src.sp.post
    return {
        "id": post.id,
        "bundle_id": bundle_id,
        "state": "transferred",
        "post": {
            "site": post.site,
            "url": post.url,
            "kind": post.kind,
            "thread_id": post.thread_id,
            "title": post.title,
            "text": post.text,
            "author": post.author,
            "published_at": fmt.maybe_times(post.published_at),
            "captured_at": fmt.both_times(post.captured_at),
            "content_sha256": post.content_hash,
            "raw_sha256": post.raw_hash,
            "extra": post.extra,
        },
        "scores": {
            "score": sp.scores.score,
            "label": sp.scores.label,
            "label_zh": CATEGORY_NAMES_ZH.get(sp.scores.label, sp.scores.label),
            "categories": sp.scores.categories,
            "matches": [m.model_dump() for m in sp.scores.matches],
            "model_version": sp.scores.model_version,
            "lexicon_version": sp.scores.lexicon_version,
        },
        "entities": [e.model_dump() for e in sp.scores.entities],
        "actor": _actor(src.actor),
        "cluster_id": sp.cluster_id,
        "verdicts": [
            {
                "kind": v.kind.value,
                "analyst": v.analyst,
                "note": v.note,
                "categories": v.categories,
                "at": fmt.both_times(v.at),
            }
            for v in src.verdicts
        ],
        "notes": [
            {"author": e.actor, "text": e.note, "at": fmt.both_times(e.at)}
            for e in src.events
            if e.action == "note"
        ],
        "feedback": [feedback_record(f) for f in src.feedback],
        "history": {"earlier_contents": src.history, "related_transfers": src.related},
        "evidence": [item.path for item in src.evidence],
        "evidence_problem": src.evidence_problem,
    }


def feedback_record(feedback: Feedback) -> dict[str, Any]:
    return {
        "outcome": feedback.outcome.value,
        "reference": feedback.reference,
        "note": feedback.note,
        "recorded_by": feedback.recorded_by,
        "at": fmt.both_times(feedback.at),
    }


def _actor(actor: Actor | None) -> dict[str, Any] | None:
    if actor is None:
        return None
    return {
        "id": actor.id,
        "contacts": actor.contacts,
        "posts": actor.posts,
        "flagged_posts": actor.flagged_posts,
        "sites": actor.sites,
        "first_seen": fmt.both_times(actor.first_seen),
        "last_seen": fmt.both_times(actor.last_seen),
    }


def vetted_by(src: ClueSources) -> list[dict[str, Any]]:
    return [
        {"analyst": v.analyst, "verdict": v.kind.value, "at": fmt.both_times(v.at)}
        for v in src.verdicts
    ]


def extraction_record(
    src: ClueSources, *, tool_version: str, prepared_by: str, approved_by: str
) -> dict[str, Any]:
    """The online-extraction record of one clue: where and how it was accessed,
    when, with which tool, the hash of every captured item, who vetted it."""
    post, capture = src.sp.post, src.capture or {}
    return {
        "clue_id": post.id,
        "url": post.url,
        "fetched_url": capture.get("url", post.url),
        "site": post.site,
        "access": {
            "spider": capture.get("spider") or f"cluewatch crawler, site {post.site}",
            "method": capture.get("method", "GET"),
            "request_headers": capture.get("request_headers", []),
            "redirects": capture.get("redirects", []),
            "response_status": capture.get("status"),
            "response_headers": capture.get("headers", []),
        },
        "captured_at": fmt.both_times(post.captured_at),
        "tool": {"name": TOOL, "version": capture.get("tool", tool_version)},
        "items": [vars(item) for item in src.evidence],
        "content_sha256": post.content_hash,
        "screenshot": {
            "made": any(i.kind == "screenshot" for i in src.evidence),
            "problem": src.screenshot_problem,
        },
        "evidence_problem": src.evidence_problem,
        "vetted_by": vetted_by(src),
        "prepared_by": prepared_by,
        "approved_by": approved_by,
    }


def csv_row(src: ClueSources) -> list[str]:
    sp, post = src.sp, src.sp.post
    contacts = [f"{e.kind}:{e.value}" for e in sp.scores.entities]
    feedback = [f"{f.outcome.value} {f.reference}".strip() for f in src.feedback]
    evidence = sorted({item.path.rsplit("/", 1)[0] for item in src.evidence})
    values = [
        post.id,
        post.site,
        post.url,
        post.title,
        post.text,
        sp.scores.label,
        CATEGORY_NAMES_ZH.get(sp.scores.label, ""),
        f"{sp.scores.score:.3f}",
        "、".join(dict.fromkeys(m.term for m in sp.scores.matches)),
        "; ".join(contacts),
        post.author or "",
        fmt.both_times(post.published_at)["cst"] if post.published_at else "",
        fmt.both_times(post.captured_at)["cst"],
        "、".join(dict.fromkeys(v.analyst for v in src.verdicts)),
        post.content_hash,
        post.raw_hash or "",
        "; ".join(evidence),
        "; ".join(feedback),
    ]
    return [safe_cell(v) for v in values]


def csv_header() -> list[str]:
    return [f"{zh} {code}" for code, zh in CSV_COLUMNS]


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: formulas defused, within Excel's limit."""
    value = value[:CSV_CELL_LIMIT]
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
