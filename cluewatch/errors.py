"""Every error an operator can see, with a stable code and what to do about it.

Codes are stable: an operator reports "E012" rather than a traceback. Add new
codes at the end of a range; never reuse or renumber one.
"""

from __future__ import annotations


class CluewatchError(Exception):
    """An error meant for the operator: a code, what is wrong and where, what to do."""

    code = "E000"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.code}: {message}")
        self.message = message


# E001-E019: configuration and settings
class ConfigError(CluewatchError):
    code = "E001"


class SiteConfigError(CluewatchError):
    """A site YAML file is invalid; the message names the file, key and reason."""

    code = "E002"


class SettingsError(ConfigError):
    """Settings with invalid values: `problems` holds one line per value, naming its
    environment variable (or command-line option) and the reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# E020-E039: lexicon data
class LexiconDataError(CluewatchError):
    """A lexicon data file is invalid; the message names the file, line and reason."""

    code = "E020"


# E040-E059: classifier and model
class ModelLoadError(CluewatchError):
    """The model directory is missing or corrupt; the message names the path."""

    code = "E040"


class TrainingDataError(CluewatchError):
    code = "E041"


# E060-E079: store
class StoreError(CluewatchError):
    code = "E060"


class ValidationFailed(CluewatchError):
    """A record was rejected at the store boundary."""

    code = "E061"


class NotFound(CluewatchError):
    code = "E062"


class ConflictError(CluewatchError):
    """A concurrent change won: reload and try again."""

    code = "E063"


class LifecycleError(CluewatchError):
    """A clue state change that the register -> analyse -> transfer -> feedback chain forbids."""

    code = "E064"


# E080-E099: crawling
class CrawlError(CluewatchError):
    code = "E080"


# E100-E119: review app and users
class AuthError(CluewatchError):
    code = "E100"


class RoleError(CluewatchError):
    """The user's role does not allow the action; the message names both."""

    code = "E101"


# E120-E139: clue bundles
class BundleError(CluewatchError):
    """A bundle cannot be prepared, approved or downloaded in its present state."""

    code = "E120"


class SigningKeyError(CluewatchError):
    """The bundle signing key is unreadable, malformed or has unsafe permissions."""

    code = "E121"


class TimestampError(CluewatchError):
    """The time-stamping authority did not answer with a valid token for the manifest."""

    code = "E122"


class TwoPersonRuleError(CluewatchError):
    """A supervisor other than the preparer must approve a bundle."""

    code = "E123"


class EvidenceError(CluewatchError):
    """Captured evidence is missing or no longer matches its hash."""

    code = "E124"
