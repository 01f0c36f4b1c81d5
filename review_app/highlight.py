"""Split a post's text into plain and highlighted segments for the templates.

Segments carry text only; the templates escape it. Crawled content is never
rendered as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from cluewatch.taxonomy import CATEGORY_NAMES_ZH
from index.models import Entity, Match
from review_app.labels import TECHNIQUE_NAMES_ZH, WEIGHT_NAMES_ZH, entity_name


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str = ""  # "" | "match" | "entity"
    label: str = ""  # tooltip in Chinese: term, category, weight, technique / entity kind, value
    css: str = ""


def segments(text: str, matches: list[Match], entities: list[Entity]) -> list[Segment]:
    spans: list[tuple[int, int, str, str, str]] = []
    for m in matches:
        spans.append(
            (
                m.start,
                m.end,
                "match",
                f"{m.term} · {CATEGORY_NAMES_ZH.get(m.category, m.category)} · "
                f"权重{WEIGHT_NAMES_ZH.get(m.weight, m.weight)} · "
                f"{TECHNIQUE_NAMES_ZH.get(m.technique, m.technique)}",
                f"w-{m.weight}",
            )
        )
    for e in entities:
        spans.append((e.start, e.end, "entity", f"{entity_name(e.kind)}：{e.value}", f"e-{e.kind}"))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[Segment] = []
    position = 0
    for start, end, kind, label, css in spans:
        if start < position or end > len(text) or start >= end:
            continue  # overlapping or out of range: the outer span wins
        if start > position:
            out.append(Segment(text[position:start]))
        out.append(Segment(text[start:end], kind, label, css))
        position = end
    if position < len(text):
        out.append(Segment(text[position:]))
    return out
