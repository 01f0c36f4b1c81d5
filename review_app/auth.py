"""Users, password hashing (argon2id), server-side sessions, CSRF tokens and login throttling."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cluewatch.errors import AuthError, NotFound
from index.base import Store, User
from index.models import AuditEvent

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
# Actors hold contact details: the roles that work clues see them.
ACTOR_ROLES = frozenset({"analyst", "supervisor", "liaison"})
# Analysts read the lexicon and test texts (to understand a flag); supervisors change it.
LEXICON_VIEW_ROLES = frozenset({"analyst", "supervisor"})
LEXICON_EDIT_ROLES = frozenset({"supervisor"})
# Counts only (no post content): every role.
DASHBOARD_ROLES = frozenset(ROLES)
RUNS_ROLES = frozenset(ROLES)
USER_ADMIN_ROLES = frozenset({"admin"})
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


def add_user(
    store: Store, username: str, password: str, role: str, *, by: str | None = None
) -> User:
    """Create a user; with `by` (who did it), the change is an audit event."""
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
    _audit_user(store, by, "user.add", username, {"role": role})
    return user


def _existing(store: Store, username: str) -> User:
    user = store.get_user(username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def _audit_user(
    store: Store, by: str | None, action: str, username: str, after: dict[str, object]
) -> None:
    if by is not None:
        store.append_audit(AuditEvent(actor=by, action=action, after={"user": username, **after}))


def set_disabled(store: Store, username: str, disabled: bool, *, by: str | None = None) -> User:
    """Disable a user (their sessions end) or enable them again."""
    user = _existing(store, username)
    user.disabled = disabled
    store.update_user(user)
    _audit_user(store, by, "user.disable" if disabled else "user.enable", username, {})
    return user


def set_password(store: Store, username: str, password: str, *, by: str | None = None) -> User:
    """Set a user's password (the hash only is stored, and audited without it)."""
    user = _existing(store, username)
    user.password_hash = hash_password(password)
    store.update_user(user)
    _audit_user(store, by, "user.passwd", username, {})
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
