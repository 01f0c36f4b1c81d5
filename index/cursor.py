"""Queue cursors: the sort key of the last post shown, opaque to clients."""

from __future__ import annotations

import base64
import json
from typing import Any


def encode(sort: str, value: Any, post_id: str) -> str:
    raw = json.dumps([sort, value, post_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, sort: str) -> tuple[Any, str]:
    """(sort value, post id) after which the next page starts; ValueError if not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, value, post_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cursor {cursor[:40]!r} is not a queue cursor") from exc
    if kind != sort or not isinstance(post_id, str):
        raise ValueError(f"cursor was made for sort {kind!r}, not {sort!r}: start from page one")
    return value, post_id
