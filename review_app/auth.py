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
from review_app.messages import ZhError

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


class UserError(ZhError, AuthError):
    """A user name, role or password that cannot be used (E100)."""


class NoSuchUser(ZhError, NotFound):
    """No user of that name (E062)."""


def _roles_zh() -> str:
    return "、".join(f"{ROLE_NAMES_ZH[r]} {r}" for r in ROLES)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"password too short: at least {MIN_PASSWORD} characters",
            zh=f"密码太短：至少 {MIN_PASSWORD} 个字符",
        )
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
        raise UserError(
            f"unknown role {role!r}; use one of {', '.join(ROLES)}",
            zh=f"没有角色「{role}」，可选：{_roles_zh()}",
        )
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace("-", "").isalnum()
    ):
        raise UserError(
            f"invalid username {username!r}: letters, digits, '-' and '_' only",
            zh=f"用户名「{username}」无效：只能用字母、数字、- 和 _，最长 64 个字符",
        )
    user = User(username=username, role=role, password_hash=hash_password(password))
    store.add_user(user)
    _audit_user(store, by, "user.add", username, {"role": role})
    return user


def _existing(store: Store, username: str) -> User:
    user = store.get_user(username)
    if user is None:
        raise NoSuchUser(f"no user {username!r}", zh=f"没有用户「{username}」")
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


# Wrong passwords allowed per (username, address) and per address within the window.
LOGIN_FAILURES_PER_USER_ADDRESS = 5
LOGIN_FAILURES_PER_ADDRESS = 50
LOGIN_WINDOW_SECONDS = 300.0
SWEEP_AT = 10_000


class LoginThrottle:
    """Refuses logins after too many wrong passwords within `window` seconds.

    Counted per (username, client address): `limit` wrong passwords for one
    account from one address block that account from that address only, so
    behind an office NAT one analyst's typos do not lock out the team. Counted
    per address too, with the much higher `address_limit`: one address trying
    many accounts (password spraying) is stopped. A correct password clears
    its own (username, address) count, never the address's.
    """

    def __init__(
        self,
        *,
        limit: int = LOGIN_FAILURES_PER_USER_ADDRESS,
        address_limit: int = LOGIN_FAILURES_PER_ADDRESS,
        window: float = LOGIN_WINDOW_SECONDS,
    ) -> None:
        self.limit = limit
        self.address_limit = address_limit
        self.window = window
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("pair", f"{username}\n{address}"), ("addr", address)

    def _recent(self, key: tuple[str, str], now: float) -> int:
        recent = [t for t in self._failures.get(key, []) if now - t < self.window]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return len(recent)

    def blocked(self, username: str, address: str) -> str | None:
        """Why a login of `username` from `address` is refused now ("user" or "address"),
        or None when it may be tried."""
        pair, addr = self._keys(username, address)
        now = time.monotonic()
        with self._lock:
            if self._recent(addr, now) >= self.address_limit:
                return "address"
            if self._recent(pair, now) >= self.limit:
                return "user"
        return None

    def fail(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > SWEEP_AT:  # many names tried: forget the expired ones
                for key in list(self._failures):
                    self._recent(key, now)
            for key in self._keys(username, address):
                self._failures.setdefault(key, []).append(now)

    def clear(self, username: str, address: str) -> None:
        """A correct password: forget that account's failures from that address."""
        with self._lock:
            self._failures.pop(self._keys(username, address)[0], None)
