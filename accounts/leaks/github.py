"""GitHub secret scanning (partner program): its public keys, signatures and match lists.

GitHub signs the raw body with ECDSA P-256 / SHA-256 and names the key in a header.
The keys come from ACCOUNTS_SECRET_SCANNING_KEYS_FILE, or are fetched from
ACCOUNTS_SECRET_SCANNING_KEYS_URL: kept in the process and the Django cache, and fetched
again only for an unknown key id, at most once a minute, never once per request.
"""

import base64
import binascii
import json
import logging
import os
import threading
import time
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _

from accounts.conf import app_settings

logger = logging.getLogger(__name__)

FETCH_TIMEOUT = 5
# An unknown key id refetches at most this often, so a forged header cannot make us fetch.
REFRESH_INTERVAL = 60
# The key list is kept this long in the shared cache.
CACHE_TTL = 24 * 3600
_CACHE_KEY = "accounts:leaks:github-keys:{url}"
MAX_KEY_LIST = 1024 * 1024
MAX_MATCHES = 1000
_MAX_HEADER = 1024

Keys = dict[str, ec.EllipticCurvePublicKey]
NOT_A_LIST = _("The body must be a JSON list of matches, each with a token and a type.")

_lock = threading.Lock()
_file_keys: dict[tuple[str, float], Keys] = {}
_url_keys: dict[str, Keys] = {}
_fetched_at: dict[str, float] = {}


def parse_keys(data: bytes | str) -> Keys:
    """The P-256 keys in a GitHub key list; entries that are not one are skipped."""
    try:
        document = json.loads(data)
        entries = document["public_keys"]
    except (ValueError, TypeError, KeyError):
        raise ValueError("The secret scanning key list is not GitHub's JSON format.") from None
    keys: Keys = {}
    for entry in entries if isinstance(entries, list) else ():
        try:
            key = serialization.load_pem_public_key(entry["key"].encode("ascii"))
            key_id = str(entry["key_identifier"])
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeError):
            continue
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            keys[key_id] = key
    return keys


def _fetch(url: str) -> bytes:
    """Read GitHub's key list; tests replace this function, so they never use the network."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
        return response.read(MAX_KEY_LIST)


def _keys_from_file(path: str) -> Keys:
    try:
        stamp = (path, os.stat(path).st_mtime)
        keys = _file_keys.get(stamp)
        if keys is None:
            with open(path, "rb") as handle:
                keys = parse_keys(handle.read(MAX_KEY_LIST))
            _file_keys.clear()
            _file_keys[stamp] = keys
    except (OSError, ValueError):
        # A missing or broken file refuses every report (401), loudly in the log, not as a 500.
        logger.error("Could not read the secret scanning keys from %s.", path)
        return {}
    return keys


def _keys_from_url(url: str, refresh: bool) -> Keys:
    cache = caches[app_settings.CACHE]
    cache_key = _CACHE_KEY.format(url=url)
    with _lock:
        if url not in _url_keys:
            shared = cache.get(cache_key)
            if shared is not None:
                _url_keys[url] = parse_keys(shared)
                refresh = False
        due = time.monotonic() - _fetched_at.get(url, -REFRESH_INTERVAL) >= REFRESH_INTERVAL
        if (url not in _url_keys or refresh) and due:
            _fetched_at[url] = time.monotonic()
            try:
                data = _fetch(url)
                _url_keys[url] = parse_keys(data)
                cache.set(cache_key, data, CACHE_TTL)
            except (OSError, ValueError):
                # The keys we have stay in use; the next unknown id retries after the interval.
                logger.warning("Could not fetch the secret scanning keys from %s.", url)
        return _url_keys.get(url, {})


def public_key(key_id: str) -> ec.EllipticCurvePublicKey | None:
    path = app_settings.SECRET_SCANNING_KEYS_FILE
    if path:
        return _keys_from_file(str(path)).get(key_id)
    url = app_settings.SECRET_SCANNING_KEYS_URL
    if not url:
        return None
    key = _keys_from_url(url, refresh=False).get(key_id)
    if key is None:
        key = _keys_from_url(url, refresh=True).get(key_id)
    return key


def verify(body: bytes, key_id: str | None, signature: str | None) -> bool:
    """Whether `signature` (base64 DER) is a valid signature of `body` by key `key_id`."""
    if not key_id or not signature or len(key_id) > _MAX_HEADER or len(signature) > _MAX_HEADER:
        return False
    try:
        der = base64.b64decode(signature, validate=True)
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
    result = []
    for match in matches:
        if not isinstance(match, dict):
            raise ValueError(message)
        token, kind = match.get("token"), match.get("type", "")
        url, source = match.get("url") or "", match.get("source") or ""
        if not all(isinstance(value, str) for value in (token, kind, url, source)):
            raise ValueError(message)
        result.append({"token": token, "type": kind, "url": url, "source": source})
    return result
