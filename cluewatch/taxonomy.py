"""The category codes of TAXONOMY.md: the one definition every package shares.

This module is data only and imports nothing, so the store (`index`) may use it
without depending on the matcher. Like `cluewatch.errors`, it is a leaf: any package may import it.
"""

from __future__ import annotations

from typing import Final, Literal

CategoryCode = Literal[
    "illegal_adoption",
    "surrogacy",
    "bride_trafficking",
    "birth_documents",
    "labor_trafficking",
    "organ_trafficking",
    "sexual_exploitation",
]

CATEGORIES: Final[tuple[CategoryCode, ...]] = (
    "illegal_adoption",
    "surrogacy",
    "bride_trafficking",
    "birth_documents",
    "labor_trafficking",
    "organ_trafficking",
    "sexual_exploitation",
)

BENIGN: Final = "benign"

CATEGORY_NAMES_ZH: Final[dict[str, str]] = {
    "illegal_adoption": "网络非法送养",
    "surrogacy": "非法代孕",
    "bride_trafficking": "拐卖妇女/非法跨国婚介",
    "birth_documents": "买卖出生医学证明",
    "labor_trafficking": "劳务拐卖",
    "organ_trafficking": "器官买卖",
    "sexual_exploitation": "组织/强迫卖淫",
    "benign": "无涉",
}

WEIGHTS: Final[tuple[str, ...]] = ("strong", "medium", "weak")
