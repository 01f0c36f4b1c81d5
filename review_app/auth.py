"""Users, password hashing (argon2id), server-side sessions, CSRF tokens and login throttling."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cluewatch.errors import AuthError
from index.base import Store, User

ROLES = ("analyst", "supervisor", "liaison", "admin")
ROLE_NAMES_ZH = {"analyst": "研判员", "supervisor": "主管", "liaison": "联络员", "admin": "管理员"}
# Who may give verdicts on clues.
VERDICT_ROLES = frozenset({"analyst", "supervisor"})
# Who may read the queue and posts, and add notes.
CLUE_ROLES = frozenset({"analyst", "supervisor", "liaison"})
# Who may claim a post for themselves (and release their own claim).
CLAIM_ROLES = VERDICT_ROLES
# Who may assign posts to others, take over or release others' claims, and judge claimed posts.
SUPERVISOR_ROLES = frozenset({"supervisor"})
# Who records police feedback (处置反馈).
FEEDBACK_ROLES = frozenset({"liaison", "supervisor"})
# Who reads the whole audit log.
AUDIT_ROLES = frozenset({"supervisor", "admin"})
# Clue bundles: a liaison prepares, a supervisor other than the preparer approves,
# either may download an approved bundle; admins may see the list.
BUNDLE_PREPARE_ROLES = frozenset({"liaison"})
BUNDLE_APPROVE_ROLES = frozenset({"supervisor"})
BUNDLE_DOWNLOAD_ROLES = frozenset({"liaison", "supervisor"})
BUNDLE_VIEW_ROLES = frozenset({"liaison", "supervisor", "admin"})
MIN_PASSWORD = 10

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"password too short: at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(store: Store, username: str, password: str, role: str) -> User:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace("-", "").isalnum()
    ):
        raise AuthError(f"invalid username {username!r}: letters, digits, '-' and '_' only")
    user = User(username=username, role=role, password_hash=hash_password(password))
    store.add_user(user)
    return user


@dataclass(frozen=True)
class Session:
    id: str
    user: User
    csrf: str


class Sessions:
    def __init__(self, store: Store, *, hours: float) -> None:
        self.store = store
        self.lifetime = timedelta(hours=hours)

    def create(self, user: User) -> Session:
        # A fresh id at every login: a session id planted before login is never reused.
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32))
        self.store.create_session(
            session.id, user.username, session.csrf, datetime.now(UTC) + self.lifetime
        )
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        found = self.store.get_session(session_id)
        if found is None:
            return None
        username, csrf, expires = found
        if expires <= datetime.now(UTC):
            self.store.delete_session(session_id)
            return None
        user = self.store.get_user(username)
        if user is None or user.disabled:
            return None
        return Session(session_id, user, csrf)

    def end(self, session_id: str) -> None:
        self.store.delete_session(session_id)


class LoginThrottle:
    """After `limit` failures for one username or address within `window` seconds, refuse logins."""

    def __init__(self, *, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < self.window]
                self._failures[key] = recent
                if len(recent) >= self.limit:
                    return True
        return False

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(now)

    def clear(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
