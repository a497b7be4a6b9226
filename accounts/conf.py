"""App settings with their defaults in one place, read from Django settings when used.

Each knob is `ACCOUNTS_<NAME>` in settings, read on first access and kept until
Django reports a settings change (`setting_changed`, which `override_settings` and
pytest-django's `settings` fixture send), so the hot path parses nothing per request.
"""

from datetime import timedelta

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
    # Brute-force defence (accounts/lockout.py, accounts/throttling.py).
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
    # In-process token cache (accounts/tokencache): "on" or "off"; PostgreSQL only.
    "TOKEN_CACHE": "on",
    # Longest time a cached token is served without reading the database again.
    "TOKEN_CACHE_MAX_AGE": timedelta(seconds=60),
    # Tokens kept per process (least recently used first out).
    "TOKEN_CACHE_SIZE": 10_000,
}

_DURATIONS = {
    "TOKEN_TTL",
    "TOKEN_IDLE_TIMEOUT",
    "TOKEN_MAX_TTL",
    "TOKEN_LAST_USED_INTERVAL",
    "TOKEN_CREATION_REAUTH_AFTER",
    "LOGIN_FAILURE_WINDOW",
    "TOKEN_CACHE_MAX_AGE",
}


def _as_duration(name: str, value: object) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise ValueError(f"ACCOUNTS_{name} must be a timedelta, a number of seconds or None.")


def _as_switch(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"on", "off"}:
        return value.lower() == "on"
    raise ValueError(f"ACCOUNTS_{name} must be on or off.")


class AppSettings:
    def __init__(self) -> None:
        self._parsed: dict[str, object] = {}

    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(name)
        try:
            return self._parsed[name]
        except KeyError:
            pass
        value = getattr(settings, f"ACCOUNTS_{name}", DEFAULTS[name])
        if name in _DURATIONS:
            value = _as_duration(name, value)
        elif name in {"TOKEN_CACHE", "SECURITY_EMAILS", "TOKEN_REQUIRE_EXPIRY"}:
            value = _as_switch(name, value)
        self._parsed[name] = value
        return value

    def reload(self) -> None:
        self._parsed.clear()


app_settings = AppSettings()


def _reload(*, setting: str, **kwargs) -> None:
    if setting.startswith("ACCOUNTS_"):
        app_settings.reload()


setting_changed.connect(_reload, dispatch_uid="accounts.conf.reload")
