"""Item pipelines, one stage per file; their order is set in `crawler.settings.ITEM_PIPELINES`."""
