"""App settings with their defaults in one place, read from Django settings when used.

Each knob is `ACCOUNTS_<NAME>` in settings (authsite/settings.py sets one only when its
environment variable is set, so these defaults are the only ones), read on first access
and kept until Django reports a settings change (`setting_changed`, which
`override_settings` and pytest-django's `settings` fixture send), so the hot path parses
nothing per request.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS = {
    # Absolute lifetime of a login token; None disables it.
    "TOKEN_TTL": timedelta(days=30),
    # Login tokens unused for this long stop working; None disables it.
    "TOKEN_IDLE_TIMEOUT": timedelta(days=7),
    # Longest lifetime a personal access token may ask for.
    "TOKEN_MAX_TTL": timedelta(days=365),
    # last_used_at is written at most this often per token.
    "TOKEN_LAST_USED_INTERVAL": timedelta(minutes=1),
    "ALLOW_REGISTRATION": True,
    # Live tokens a user may hold at once; None means no cap.
    "MAX_TOKENS_PER_USER": 100,
    # Creating a token with a token older than this needs the password again.
    "TOKEN_CREATION_REAUTH_AFTER": timedelta(minutes=10),
    # Brute-force defence (accounts/ratelimit/lockout.py, accounts/ratelimit/throttling.py).
    # Failed logins for one normalised email within the window that lock it for the rest of it.
    "LOGIN_MAX_FAILURES": 10,
    "LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
    # Per-client-IP rates in DRF's "<count>/<s|m|h|d>" syntax; None switches one off.
    "LOGIN_RATE": "300/min",
    "REGISTER_RATE": "300/hour",
    "PASSWORD_RESET_RATE": "60/hour",
    # Unauthenticated token revocation (accounts/leaks), per client IP.
    "REVOKE_RATE": "60/min",
    # Secret-scanning webhook: GitHub's public key list from a file (tests, offline) or a URL.
    "SECRET_SCANNING_KEYS_FILE": None,
    "SECRET_SCANNING_KEYS_URL": None,
    # Security emails to users (token created or leaked, password changed, expiry soon).
    "SECURITY_EMAILS": True,
    # notifyexpiringtokens warns this many days before a personal token expires.
    "TOKEN_EXPIRY_WARNING_DAYS": 7,
    # Refuse personal access tokens that never expire.
    "TOKEN_REQUIRE_EXPIRY": False,
    # The cache alias holding the counters.
    "CACHE": "default",
    # In-process token cache (accounts/tokencache): on or off; PostgreSQL only.
    "TOKEN_CACHE": True,
    # Longest time a cached token is served without reading the database again.
    "TOKEN_CACHE_MAX_AGE": timedelta(seconds=60),
    # The cache serves only while its listener's last heartbeat is younger than this, so
    # a hung listener cannot keep serving tokens revoked since (accounts/tokencache).
    "TOKEN_CACHE_HEARTBEAT_MAX_AGE": timedelta(seconds=3),
    # Tokens kept per process (least recently used first out).
    "TOKEN_CACHE_SIZE": 10_000,
    # The scopes tokens may carry: read and write, plus the project's own ("notes:write").
    "TOKEN_SCOPES": ("read", "write"),
    # Token introspection (RFC 7662), per calling token.
    "INTROSPECT_RATE": "1200/min",
    # A RUNNING email task whose worker may be alive on another host is run again after
    # this long (accounts/mail/abandoned.py); well above an SMTP send's bound.
    "EMAIL_TASK_LEASE": timedelta(minutes=10),
    # Claims of one email task by workers that then died, before it is marked failed.
    "EMAIL_TASK_MAX_ATTEMPTS": 3,
    # argon2 hashes running at once per process, and how long after it arrived a request
    # may still start one; later, 503 with Retry-After (accounts/passwords/admission.py).
    "PASSWORD_HASHES_AT_ONCE": 1,
    "PASSWORD_HASH_WAIT": timedelta(seconds=5),
}


# One convention: settings give a duration as whole seconds (or a timedelta); the app
# reads a timedelta, or None for "no limit".
def as_duration(name: str, value: object) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise ValueError(f"{name} must be a timedelta, a number of seconds or None.")


def as_required_duration(name: str, value: object) -> timedelta:
    duration = as_duration(name, value)
    if duration is None:
        raise ValueError(f"{name} must be a number of seconds, not None.")
    return duration


def as_switch(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"on", "off"}:
        return value.lower() == "on"
    raise ValueError(f"{name} must be on or off.")


# RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


def _as_scopes(name: str, value: object) -> tuple[str, ...]:
    names = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(isinstance(s, str) for s in names):
        raise ValueError(f"{name} must be a list of scopes or a string of them.")
    scopes = tuple(dict.fromkeys(names))
    for scope in scopes:
        if not _SCOPE_TOKEN.fullmatch(scope):
            raise ValueError(f"{name}: {scope!r} is not a valid scope name.")
    # Every method needs read or write, so a set without them would lock every token out.
    if "read" not in scopes or "write" not in scopes:
        raise ValueError(f"{name} must include read and write.")
    if "introspect" in scopes:
        raise ValueError(f"{name} cannot include introspect: only an administrator grants it.")
    return scopes


PARSERS: dict[str, Callable[[str, object], object]] = {
    "TOKEN_TTL": as_duration,
    "TOKEN_IDLE_TIMEOUT": as_duration,
    "TOKEN_MAX_TTL": as_duration,
    "TOKEN_LAST_USED_INTERVAL": as_duration,
    "TOKEN_CREATION_REAUTH_AFTER": as_duration,
    "LOGIN_FAILURE_WINDOW": as_duration,
    "TOKEN_CACHE_MAX_AGE": as_duration,
    "EMAIL_TASK_LEASE": as_required_duration,
    "PASSWORD_HASH_WAIT": as_required_duration,
    # The token cache may never serve on a listener it cannot hear from.
    "TOKEN_CACHE_HEARTBEAT_MAX_AGE": as_required_duration,
    "TOKEN_CACHE": as_switch,
    "SECURITY_EMAILS": as_switch,
    "TOKEN_REQUIRE_EXPIRY": as_switch,
    "TOKEN_SCOPES": _as_scopes,
}

_instances: list["AppSettings"] = []


class AppSettings:
    """Settings named `<prefix><NAME>`, each parsed once and kept until settings change."""

    def __init__(
        self,
        prefix: str,
        defaults: dict[str, Any],
        parsers: dict[str, Callable[[str, object], object]],
    ) -> None:
        self._prefix = prefix
        self._defaults = defaults
        self._parsers = parsers
        self._parsed: dict[str, Any] = {}
        _instances.append(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._defaults:
            raise AttributeError(name)
        try:
            return self._parsed[name]
        except KeyError:
            pass
        full_name = self._prefix + name
        value = getattr(settings, full_name, self._defaults[name])
        if parse := self._parsers.get(name):
            value = parse(full_name, value)
        self._parsed[name] = value
        return value

    def reload(self) -> None:
        self._parsed.clear()


app_settings = AppSettings("ACCOUNTS_", DEFAULTS, PARSERS)


def _reload(*, setting: str, **kwargs) -> None:
    if setting.startswith("ACCOUNTS_"):
        for instance in _instances:
            instance.reload()


setting_changed.connect(_reload, dispatch_uid="accounts.conf.reload")
