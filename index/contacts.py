"""Contact keys: one normal form per phone, WeChat, QQ or Telegram handle.

The lexicon already reads obfuscated numbers (一三八…, ①③⑧…, 138-0000-…) as
digits; this makes the key independent of how a backend received the value,
and links a WeChat id that is a mobile number to that phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.models import CONTACT_KINDS, Entity

_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def contact_key(kind: str, value: str) -> str | None:
    """`kind:value` for a contact entity, or None when it is not a usable contact."""
    if kind not in CONTACT_KINDS:
        return None
    raw = value.strip().casefold()
    if kind in ("phone", "qq"):
        digits = "".join(ch for ch in raw if ch.isdigit())
        if kind == "phone" and len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        if kind == "phone" and not _MOBILE.fullmatch(digits):
            return None
        if kind == "qq" and not 5 <= len(digits) <= 11:
            return None
        return f"{kind}:{digits}"
    handle = raw.lstrip("@")
    if not handle:
        return None
    if kind == "wechat" and _MOBILE.fullmatch(handle):
        return f"phone:{handle}"
    return f"{kind}:{handle}"


def entity_key(kind: str, value: str) -> str:
    """Index key of any entity (contacts in their contact form)."""
    return contact_key(kind, value) or f"{kind}:{value.strip().casefold()}"


def contact_keys(entities: Iterable[Entity]) -> list[str]:
    """Distinct contact keys of a post's entities, in first-seen order."""
    keys: dict[str, None] = {}
    for entity in entities:
        key = contact_key(entity.kind, entity.value)
        if key is not None:
            keys[key] = None
    return list(keys)


def filter_key(value: str) -> list[str]:
    """Keys an analyst's entity filter may mean: `kind:value` as given, or any contact kind."""
    value = value.strip()
    if ":" in value:
        kind, _, rest = value.partition(":")
        return [entity_key(kind.strip().casefold(), rest)]
    keys = {key for kind in sorted(CONTACT_KINDS) if (key := contact_key(kind, value))}
    return sorted(keys) or [f"place:{value.casefold()}"]
