"""Encryption at rest of TOTP secrets: Fernet (AES-128-CBC + HMAC-SHA256) under rotatable keys.

ACCOUNTS_MFA_ENCRYPTION_KEYS lists keys, newest first: the first encrypts, every one
decrypts, so a new key is put in front and `manage.py rotatemfakeys` re-encrypts.
Each configured string goes through HKDF, so any passphrase-like value makes a full key.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accounts.mfa.conf import mfa_settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]

# Binds the derived keys to this use, so the SECRET_KEY-derived default differs from
# every other key Django derives from SECRET_KEY.
_INFO = b"authsite.mfa.totp-secret.v1"


def configured_keys() -> tuple[str, ...]:
    value = mfa_settings.ENCRYPTION_KEYS
    if value is None or value == "":
        keys: list = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    elif isinstance(value, str):
        keys = value.split(",")
    else:
        keys = list(value)
    keys = [key.strip() for key in keys if key and key.strip()]
    if not keys:
        raise ImproperlyConfigured("ACCOUNTS_MFA_ENCRYPTION_KEYS must name at least one key.")
    return tuple(keys)


def _derive(key: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(raw))


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet(configured_keys()).encrypt(plaintext.encode("ascii")).decode("ascii")


def decrypt(ciphertext: str) -> str:
    """Decrypt with any configured key; raise InvalidToken when none fits."""
    return _fernet(configured_keys()).decrypt(ciphertext.encode("ascii")).decode("ascii")


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the first key (raise InvalidToken when no key decrypts it)."""
    return _fernet(configured_keys()).rotate(ciphertext.encode("ascii")).decode("ascii")
