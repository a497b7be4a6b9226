"""GitHub's published secret scanning keys, fetched without holding up requests.

The keys of ACCOUNTS_SECRET_SCANNING_KEYS_URL are kept in the process and in the Django
cache (so other processes and restarts need no fetch). A key id we do not know starts a
fetch at most once a minute per process, in a background thread, one at a time: the
request that asked waits for it at most WAIT seconds, and no other request waits at all
(nothing holds a lock across the network). A failed fetch keeps the last good keys.
"""

import json
import logging
import os
import threading
import time
import urllib.request

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.cache import caches

from accounts.conf import app_settings

logger = logging.getLogger(__name__)

FETCH_TIMEOUT = 5
# A slow key URL costs the asking request this much at most; the fetch goes on without it.
WAIT = 1.0
# An unknown key id refetches at most this often, so a forged header cannot make us fetch.
REFRESH_INTERVAL = 60
# The key list is kept this long in the shared cache.
CACHE_TTL = 24 * 3600
MAX_KEY_LIST = 1024 * 1024
_CACHE_KEY = "accounts:leaks:github-keys:{url}"

Keys = dict[str, ec.EllipticCurvePublicKey]

# The clock of the once-a-minute rule; tests replace it.
_now = time.monotonic


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


def fetch(url: str) -> bytes:
    """Read GitHub's key list; tests replace this function or serve it from 127.0.0.1."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
        return response.read(MAX_KEY_LIST)


class KeyStore:
    """One URL's keys: the last good list, and at most one fetch at a time, off the request."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._keys: Keys = {}
        self._attempted_at: float | None = None
        self._running: threading.Event | None = None
        # A fetched list for the shared cache, written by the next request (the fetching
        # thread touches no database).
        self._to_share: bytes | None = None

    def key(self, key_id: str) -> ec.EllipticCurvePublicKey | None:
        """The key `key_id`, starting a fetch for an unknown one if a minute has passed."""
        if self._to_share is not None:
            self._share()
        found = self._keys.get(key_id)
        if found is None and not self._keys:
            found = self._load_shared().get(key_id)
        if found is not None:
            return found
        running = self._refresh_if_due()
        if running is not None and running.wait(WAIT):
            self._share()
        return self._keys.get(key_id)

    def _load_shared(self) -> Keys:
        data = caches[app_settings.CACHE].get(_CACHE_KEY.format(url=self.url))
        if data is None:
            return {}
        try:
            keys = parse_keys(data)
        except ValueError:
            return {}
        with self._lock:
            if not self._keys:
                self._keys = keys
            return self._keys

    def _refresh_if_due(self) -> threading.Event | None:
        """The fetch in flight, or a new one if none ran this last minute; else None."""
        with self._lock:
            if self._running is not None:
                return self._running
            now = _now()
            if self._attempted_at is not None and now - self._attempted_at < REFRESH_INTERVAL:
                return None
            self._attempted_at = now
            running = self._running = threading.Event()
        threading.Thread(
            target=self._fetch, args=(running,), name="secret-scanning-keys", daemon=True
        ).start()
        return running

    def _fetch(self, running: threading.Event) -> None:
        keys, data = None, None
        try:
            data = fetch(self.url)
            keys = parse_keys(data)
        except Exception:
            # Whatever went wrong (network, HTTP, format), the keys we have stay in use.
            logger.warning("Could not fetch the secret scanning keys from %s.", self.url)
        if keys == {}:
            logger.warning("The secret scanning key list at %s has no P-256 key.", self.url)
        with self._lock:
            if keys:
                self._keys = keys
                self._to_share = data
            self._running = None
        running.set()

    def _share(self) -> None:
        with self._lock:
            data, self._to_share = self._to_share, None
        if data is not None:
            caches[app_settings.CACHE].set(_CACHE_KEY.format(url=self.url), data, CACHE_TTL)


_stores: dict[str, KeyStore] = {}
_stores_lock = threading.Lock()


def store(url: str) -> KeyStore:
    """The process's KeyStore for `url`."""
    with _stores_lock:
        found = _stores.get(url)
        if found is None:
            found = _stores[url] = KeyStore(url)
        return found


def _forget_after_fork() -> None:
    # A child process has none of the parent's threads: a fetch "in flight" there never ends.
    global _stores, _stores_lock
    _stores = {}
    _stores_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
