"""The jargon lexicon: term data, normalisation, obfuscation-robust matching, entities.

Pure: text in, matches out; no I/O beyond loading its data files.
"""

from lexicon.data import SHIPPED_DIR, LexiconData, Lure, Term, load_data
from lexicon.entities import EntityHit
from lexicon.matcher import Analysis, LureHit, Matcher, TermMatch, category_evidence

__all__ = [
    "SHIPPED_DIR",
    "Analysis",
    "EntityHit",
    "LexiconData",
    "Lure",
    "LureHit",
    "Matcher",
    "Term",
    "TermMatch",
    "category_evidence",
    "load_data",
]
