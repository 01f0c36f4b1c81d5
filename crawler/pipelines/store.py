"""The store and scorer a crawl shares between its pipeline stages, built once per crawler."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler

from classifier.scorer import Scorer
from cluewatch.runtime import settle_heap
from cluewatch.wiring import open_store_at
from index.base import Store
from lexicon.manage import directories

_SHARED: WeakKeyDictionary[Crawler, dict[str, Any]] = WeakKeyDictionary()


def open_store(crawler: Crawler) -> Store:
    shared = _SHARED.setdefault(crawler, {})
    if "store" not in shared:
        shared["store"] = open_store_at(
            es_url=crawler.settings.get("CLUEWATCH_ES_URL"),
            db_path=Path(crawler.settings.get("CLUEWATCH_STORE_PATH")),
            cache_mib=crawler.settings.getint("CLUEWATCH_STORE_CACHE_MIB", 16),
        )
    store: Store = shared["store"]
    return store


def open_scorer(crawler: Crawler) -> Scorer:
    shared = _SHARED.setdefault(crawler, {})
    if "scorer" not in shared:
        import torch

        torch.set_num_threads(crawler.settings.getint("CLUEWATCH_SCORE_THREADS", 1))
        overlay = crawler.settings.get("CLUEWATCH_LEXICON_DIR")
        shared["scorer"] = Scorer.from_paths(
            model_dir=Path(crawler.settings.get("CLUEWATCH_MODEL_DIR")),
            lexicon_dirs=directories(overlay and Path(overlay)),
            threshold=(
                crawler.settings.getfloat("CLUEWATCH_FLAG_THRESHOLD")
                if crawler.settings.get("CLUEWATCH_FLAG_THRESHOLD") is not None
                else None
            ),
        )
        settle_heap()
    scorer: Scorer = shared["scorer"]
    return scorer
