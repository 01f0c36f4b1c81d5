"""Stage 3: lexicon + classifier + fusion -> `ScoredPost`."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.pipelines.store import open_scorer
from index.models import Entity, Match, Post, ScoredPost, Scores


class ScorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.scorer = open_scorer(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScorePipeline:
        return cls(crawler)

    def process_item(self, post: Post) -> ScoredPost:
        result = self.scorer.score_texts([post.scored_text])[0]
        self.stats.inc_value("cluewatch/posts_scored")
        if result.flagged:
            self.stats.inc_value("cluewatch/flagged")
            self.stats.inc_value(f"cluewatch/flagged/{result.label}")
        scores = Scores(
            score=result.score,
            label=result.label,
            flagged=result.flagged,
            categories=result.categories,
            model_categories=result.model_categories,
            matches=[Match(**m) for m in result.matches],
            entities=[Entity(**e) for e in result.entities],
            model_version=result.model_version,
            lexicon_version=result.lexicon_version,
        )
        return ScoredPost(post=post, scores=scores)
