"""The printable Chinese report (`report.html`), written one clue at a time."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cluewatch.taxonomy import CATEGORY_NAMES_ZH
from review_app.bundles.records import ClueSources
from review_app.highlight import segments
from review_app.labels import (
    FEEDBACK_NAMES_ZH,
    TECHNIQUE_NAMES_ZH,
    VERDICT_NAMES_ZH,
    WEIGHT_NAMES_ZH,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
ITEM_NAMES_ZH = {
    "response_body": "原始网页字节",
    "warc": "WARC 记录",
    "capture_record": "采集记录",
    "screenshot": "网页截图",
}


class ReportWriter:
    """Writes the report's head, then each clue's section, then its end."""

    def __init__(self, out: IO[str]) -> None:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals.update(
            category_names=CATEGORY_NAMES_ZH,
            weight_names=WEIGHT_NAMES_ZH,
            technique_names=TECHNIQUE_NAMES_ZH,
            verdict_names=VERDICT_NAMES_ZH,
            outcome_names=FEEDBACK_NAMES_ZH,
            item_names=ITEM_NAMES_ZH,
        )
        self._macros: Any = env.get_template("report.html").make_module()
        self._out = out
        self._count = 0

    def head(self, bundle: dict[str, Any]) -> None:
        self._out.write(str(self._macros.head(bundle)))

    def clue(self, src: ClueSources, record: dict[str, Any], extraction: dict[str, Any]) -> None:
        self._count += 1
        post = src.sp.post
        parts = segments(post.scored_text, src.sp.scores.matches, src.sp.scores.entities)
        self._out.write(str(self._macros.clue(self._count, record, extraction, parts)))

    def foot(self) -> None:
        self._out.write(str(self._macros.foot()))
