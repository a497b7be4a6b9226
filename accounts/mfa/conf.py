"""MFA settings (`ACCOUNTS_MFA_<NAME>`) with defaults, read like accounts/conf.py reads its own."""

from accounts.conf import AppSettings, as_required_duration, as_switch

DEFAULTS = {
    # How long a pending login (the mfa_token of the password step) lives, in seconds.
    "CHALLENGE_TTL": 300,
    # Wrong codes after which a pending login is dead.
    "CHALLENGE_MAX_ATTEMPTS": 5,
    # Seconds an emailed code lives, and how many codes one pending login may ask for.
    "EMAIL_CODE_TTL": 600,
    "EMAIL_CODES_PER_CHALLENGE": 3,
    # Emailed codes per account over all its pending logins: "<count>/<n><s|m|h|d>".
    "EMAIL_RATE": "3/15m",
    # Pending logins an account may have at once; a new one ends the oldest.
    "MAX_PENDING_LOGINS": 5,
    # Seconds an unconfirmed TOTP secret may be confirmed; then the set-up starts again.
    "SETUP_TTL": 600,
    # Comma-separated keys (or a list): the first encrypts, all decrypt. None: derived
    # from SECRET_KEY and SECRET_KEY_FALLBACKS.
    "ENCRYPTION_KEYS": None,
    # The issuer shown by authenticator apps.
    "ISSUER": "authsite",
    # Refuse the admin to staff who have not turned MFA on.
    "REQUIRED_FOR_STAFF": False,
}


mfa_settings = AppSettings(
    "ACCOUNTS_MFA_",
    DEFAULTS,
    {
        "CHALLENGE_TTL": as_required_duration,
        "EMAIL_CODE_TTL": as_required_duration,
        "SETUP_TTL": as_required_duration,
        "REQUIRED_FOR_STAFF": as_switch,
    },
)


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "3/15m" -> (3, 900): a count per period of n seconds, minutes, hours or days."""
    if rate is None or rate == "":
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        count_text, period = str(rate).split("/")
        number, unit = period[:-1] or "1", period[-1]
        seconds = int(number) * units[unit]
        count = int(count_text)
    except (ValueError, KeyError, IndexError):
        raise ValueError(
            f"ACCOUNTS_MFA_EMAIL_RATE must look like 3/15m (a count per s, m, h or d): {rate!r}."
        ) from None
    if count < 1 or seconds < 1:
        raise ValueError("ACCOUNTS_MFA_EMAIL_RATE needs a count and a period of at least 1.")
    return count, seconds


def _as_origins(name: str, value: object) -> tuple[str, ...]:
    origins = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(origins, list | tuple) or not all(isinstance(o, str) for o in origins):
        raise ValueError(f"{name} must be a list of origins or a string of them.")
    if not origins:
        raise ValueError(f"{name} must name at least one origin.")
    return tuple(origin.rstrip("/") for origin in origins)


WEBAUTHN_DEFAULTS = {
    # Passkeys (accounts/mfa/webauthn): as a second factor and for passwordless login.
    "ENABLED": True,
    # The relying party: the domain passkeys are bound to (a browser accepts it on that
    # host and its subdomains). Production must set it (the deploy check says so).
    "RP_ID": "localhost",
    "RP_NAME": "authsite",
    # Origins whose signatures are accepted: web origins, and native apps' own
    # (android:apk-key-hash:...). Production must set them too.
    # A browser refuses an IP address as RP ID: in development, open http://localhost:8000.
    "ORIGINS": ("http://localhost:8000",),
    # Seconds a registration or sign-in ceremony (its challenge) may be finished in.
    "CEREMONY_TTL": 300,
}

# Settings named ACCOUNTS_WEBAUTHN_<NAME>.
webauthn_settings = AppSettings(
    "ACCOUNTS_WEBAUTHN_",
    WEBAUTHN_DEFAULTS,
    {
        "ENABLED": as_switch,
        "ORIGINS": _as_origins,
        "CEREMONY_TTL": as_required_duration,
    },
)
