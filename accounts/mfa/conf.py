"""MFA settings with their defaults, read from Django settings (`ACCOUNTS_MFA_<NAME>`) when used."""

from django.conf import settings

DEFAULTS = {
    # Seconds a pending login (the mfa_token of the password step) lives.
    "CHALLENGE_TTL": 300,
    # Wrong codes after which a pending login is dead.
    "CHALLENGE_MAX_ATTEMPTS": 5,
    # Seconds an emailed code lives, and how many codes one pending login may ask for.
    "EMAIL_CODE_TTL": 600,
    "EMAIL_CODES_PER_CHALLENGE": 3,
    # Comma-separated keys (or a list): the first encrypts, all decrypt. None: derived
    # from SECRET_KEY and SECRET_KEY_FALLBACKS.
    "ENCRYPTION_KEYS": None,
    # The issuer shown by authenticator apps.
    "ISSUER": "authsite",
    # Refuse the admin to staff who have not turned MFA on.
    "REQUIRED_FOR_STAFF": False,
}


class MfaSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, f"ACCOUNTS_MFA_{name}", DEFAULTS[name])


mfa_settings = MfaSettings()
