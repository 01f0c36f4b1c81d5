"""The audit hash chain: each event's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json

from index.models import AuditEvent


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    body = event.model_dump(mode="json", exclude={"hash", "prev_hash", "seq"})
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def chain_problems(events: list[AuditEvent]) -> list[str]:
    """Check events in sequence order; return one message per broken link."""
    problems: list[str] = []
    prev = ""
    for event in events:
        if event.prev_hash != prev:
            problems.append(f"event {event.seq}: previous hash does not match event before it")
        if event_hash(event, event.prev_hash) != event.hash:
            problems.append(f"event {event.seq}: content does not match its hash")
        prev = event.hash
    return problems
