"""Random codes and their digests: recovery codes, emailed codes and pending-login tokens.

Only digests are stored. Recovery codes (59 secret bits) are hashed with the project's
password hasher (ASVS 6.5.2: below 112 bits, a salted password hash); each starts with a
short public index that finds its row, so an attempt costs one hash, not ten. A plain
SHA-256 suffices for login challenges (256 bits); the 6-digit emailed code gets a keyed
HMAC, since its digest alone could be reversed by trying a million values.
"""

import hashlib
import hmac
import secrets

from django.utils.crypto import salted_hmac

# 31 symbols without 0/o, 1/l/i, so codes survive being read aloud or written down.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_GROUPS = 3
RECOVERY_GROUP_LENGTH = 4
# The public index in front of the secret groups: it names the row, it is not a secret.
RECOVERY_INDEX_LENGTH = 4
RECOVERY_CODE_COUNT = 10
CHALLENGE_PREFIX = "mfa_"


def _symbols(count: int) -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(count))


def new_recovery_code(index: str | None = None) -> str:
    """A code like r4ce-k7pq-2mxa-9fhw: a public index, then 12 secret symbols of 31 (59 bits)."""
    groups = [index or _symbols(RECOVERY_INDEX_LENGTH)]
    groups += [_symbols(RECOVERY_GROUP_LENGTH) for _ in range(RECOVERY_GROUPS)]
    return "-".join(groups)


def normalise_recovery_code(code: str) -> str:
    """Any case, with or without hyphens or spaces."""
    return "".join(code.split()).replace("-", "").lower()


def looks_like_recovery_code(code: str) -> bool:
    normalised = normalise_recovery_code(code)
    length = RECOVERY_INDEX_LENGTH + RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH
    return len(normalised) == length and set(normalised).issubset(RECOVERY_ALPHABET)


def split_recovery_code(code: str) -> tuple[str, str]:
    """(public index, secret) of a code that looks like a recovery code."""
    normalised = normalise_recovery_code(code)
    return normalised[:RECOVERY_INDEX_LENGTH], normalised[RECOVERY_INDEX_LENGTH:]


def new_email_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def email_code_digest(challenge_id: int, code: str) -> str:
    value = f"{challenge_id}:{code}"
    return salted_hmac("accounts.mfa.email-code", value, algorithm="sha256").hexdigest()


def email_code_matches(digest: str, challenge_id: int, code: str) -> bool:
    return hmac.compare_digest(digest, email_code_digest(challenge_id, code))


def new_challenge_token() -> str:
    # token_urlsafe's alphabet lies inside RFC 6750's b64token, so sent as a Bearer token
    # it is read and refused like any unknown token: a 401, not a 400.
    return CHALLENGE_PREFIX + secrets.token_urlsafe(32)


def challenge_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
