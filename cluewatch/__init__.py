"""cluewatch: patrols public Chinese-language posts for trafficking jargon and keeps the clue register."""

__version__ = "0.1.0"
