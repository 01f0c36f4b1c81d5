"""Stage 3: lexicon + classifier + fusion, many posts per call -> `ScoredPost`s.

Pages wait until `CLUEWATCH_SCORE_BATCH` posts are gathered (or
`CLUEWATCH_BATCH_WAIT` seconds pass) and are scored in one call, in a worker
thread so that downloads go on meanwhile. The same lexicon pass gives each
post its entities (contacts, places, prices), which link posts into actors
when they are stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapy.crawler import Crawler

from crawler.items import CapturedPage
from crawler.pipelines.batch import BatchStage, OneThread
from crawler.pipelines.store import open_scorer
from index.models import Entity, Match, Post, ScoredPost, Scores


class ScorePipeline(BatchStage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(
            size=crawler.settings.getint("CLUEWATCH_SCORE_BATCH", 64),
            max_wait=crawler.settings.getfloat("CLUEWATCH_BATCH_WAIT", 0.5),
        )
        self.stats = crawler.stats
        self.scorer = open_scorer(crawler)
        self.thread = OneThread("score")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScorePipeline:
        return cls(crawler)

    async def handle(self, pages: Sequence[CapturedPage]) -> None:
        posts = [post for page in pages for post in page.posts]
        scored = await self.thread.call(self._score, posts)
        self.stats.inc_value("cluewatch/posts_scored", len(posts))
        self.stats.inc_value("cluewatch/score_batches")
        by_id = {id(sp.post): sp for sp in scored}
        for page in pages:
            page.scored = [by_id[id(post)] for post in page.posts]

    def _score(self, posts: list[Post]) -> list[ScoredPost]:
        """Scores of `posts` as models, built in the scoring thread: the crawl's own
        thread only hands the batch over."""
        results = self.scorer.score_texts([p.scored_text for p in posts])
        return [
            ScoredPost(
                post=post,
                scores=Scores(
                    score=result.score,
                    label=result.label,
                    flagged=result.flagged,
                    categories=result.categories,
                    model_categories=result.model_categories,
                    matches=[Match(**m) for m in result.matches],
                    entities=[Entity(**e) for e in result.entities],
                    model_version=result.model_version,
                    lexicon_version=result.lexicon_version,
                ),
            )
            for post, result in zip(posts, results, strict=True)
        ]

    async def close_spider(self) -> None:
        await super().close_spider()
        self.thread.close()
