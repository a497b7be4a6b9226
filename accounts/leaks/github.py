"""GitHub secret scanning (partner program): its public keys, signatures and match lists.

GitHub signs the raw body with ECDSA P-256 / SHA-256 and names the key in a header.
The keys come from ACCOUNTS_SECRET_SCANNING_KEYS_FILE, or from
ACCOUNTS_SECRET_SCANNING_KEYS_URL through accounts/leaks/keystore.py (fetched off the
request thread, at most once a minute for an unknown key id).
"""

import base64
import binascii
import json
import logging
import os
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.utils.translation import gettext_lazy as _

from accounts.conf import app_settings
from accounts.leaks import keystore
from accounts.leaks.keystore import Keys, parse_keys

logger = logging.getLogger(__name__)

MAX_MATCHES = 1000
_MAX_HEADER = 1024
_UNFIT = re.compile("[\x00\ud800-\udfff]")

NOT_A_LIST = _("The body must be a JSON list of matches, each with a token and a type.")

_file_keys: dict[tuple[str, float], Keys] = {}


def _keys_from_file(path: str) -> Keys:
    try:
        stamp = (path, os.stat(path).st_mtime)
        keys = _file_keys.get(stamp)
        if keys is None:
            with open(path, "rb") as handle:
                keys = parse_keys(handle.read(keystore.MAX_KEY_LIST))
            _file_keys.clear()
            _file_keys[stamp] = keys
    except (OSError, ValueError):
        # A missing or broken file refuses every report (401), loudly in the log, not as a 500.
        logger.error("Could not read the secret scanning keys from %s.", path)
        return {}
    return keys


def public_key(key_id: str) -> ec.EllipticCurvePublicKey | None:
    path = app_settings.SECRET_SCANNING_KEYS_FILE
    if path:
        return _keys_from_file(str(path)).get(key_id)
    url = app_settings.SECRET_SCANNING_KEYS_URL
    if not url:
        return None
    return keystore.store(url).key(key_id)


def verify(body: bytes, key_id: str | None, signature: str | None) -> bool:
    """Whether `signature` (base64 DER) is a valid signature of `body` by key `key_id`."""
    if not key_id or not signature or len(key_id) > _MAX_HEADER or len(signature) > _MAX_HEADER:
        return False
    try:
        der = base64.b64decode(signature, validate=True)
        # Not even a signature: refused before its key id can start a key fetch.
        decode_dss_signature(der)
    except (binascii.Error, ValueError):
        return False
    key = public_key(key_id)
    if key is None:
        return False
    try:
        key.verify(der, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def parse_matches(body: bytes) -> list[dict[str, str]]:
    """GitHub's list of matches; ValueError with a sentence if the body is not one."""
    message = str(NOT_A_LIST)
    try:
        matches = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueError(message) from None
    if not isinstance(matches, list) or len(matches) > MAX_MATCHES:
        raise ValueError(message)
    result: list[dict[str, str]] = []
    for match in matches:
        if not isinstance(match, dict):
            raise ValueError(message)
        token, kind = match.get("token"), match.get("type", "")
        url, source = match.get("url") or "", match.get("source") or ""
        if not isinstance(token, str) or not all(
            isinstance(value, str) for value in (kind, url, source)
        ):
            raise ValueError(message)
        result.append(
            {"token": token, "type": _text(kind), "url": _text(url), "source": _text(source)}
        )
    return result


def _text(value: str) -> str:
    """`value` fit to echo, email and store: lone surrogates replaced, NUL dropped."""
    # JSON can carry both; neither encodes as UTF-8 nor fits a PostgreSQL text column.
    return _UNFIT.sub(lambda match: "" if match[0] == "\x00" else "\ufffd", value)
