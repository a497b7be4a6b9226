"""App settings with their defaults in one place, read from Django settings when used.

Each knob is `ACCOUNTS_<NAME>` in settings; reading happens on attribute access,
so tests can change them with pytest-django's `settings` fixture.
"""

from datetime import timedelta

from django.conf import settings

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
    # The cache alias holding the counters.
    "CACHE": "default",
}

_DURATIONS = {
    "TOKEN_TTL",
    "TOKEN_IDLE_TIMEOUT",
    "TOKEN_MAX_TTL",
    "TOKEN_LAST_USED_INTERVAL",
    "TOKEN_CREATION_REAUTH_AFTER",
    "LOGIN_FAILURE_WINDOW",
}


def _as_duration(name: str, value: object) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise ValueError(f"ACCOUNTS_{name} must be a timedelta, a number of seconds or None.")


class AppSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(name)
        value = getattr(settings, f"ACCOUNTS_{name}", DEFAULTS[name])
        if name in _DURATIONS:
            return _as_duration(name, value)
        return value


app_settings = AppSettings()
