"""Builders for test records: real models, filled with clearly fake content."""

from __future__ import annotations

from typing import Any

from cluewatch.taxonomy import CATEGORIES
from index.models import Entity, Match, Post, ScoredPost, Scores, content_hash, post_id_for


def make_post(
    n: int = 1,
    *,
    site: str = "test-forum",
    title: str = "测试帖子",
    text: str = "代孕 包成功 加微信 fake_bb_01",
    score: float = 0.9,
    label: str = "surrogacy",
    matches: list[Match] | None = None,
    contacts: dict[str, str] | None = None,
    **post_fields: Any,
) -> ScoredPost:
    url = post_fields.pop("url", f"http://127.0.0.1/thread/{n}")
    categories = {c: 0.01 for c in CATEGORIES}
    if label in categories:
        categories[label] = score
    flagged = score >= 0.5
    entities: list[Entity] = []
    if contacts:
        # Contacts are appended to the text so that their offsets are real.
        for kind, value in contacts.items():
            text = f"{text} {kind} {value}"
            start = len(title) + 1 + len(text) - len(value) if title else len(text) - len(value)
            entities.append(Entity(kind=kind, value=value, start=start, end=start + len(value)))
    return ScoredPost(
        post=Post(
            id=post_id_for(site, url),
            site=site,
            url=url,
            title=title,
            text=text,
            content_hash=content_hash(title, text),
            **post_fields,
        ),
        scores=Scores(
            score=score,
            label=label if flagged else "benign",
            flagged=flagged,
            categories=categories,
            matches=matches if matches is not None else [],
            entities=entities,
            model_version="test-model",
            lexicon_version="test-lexicon",
        ),
    )
