"""A per-process LRU of token-and-user rows, keyed by digest, evicted by push.

Only serves while the listener (listener.py) is connected and has proved itself
alive recently: evictions come from PostgreSQL notifications, so without them the
cache is bypassed (fail closed) and flushed when the listener reconnects. "Alive"
is checked on the request path itself (`get`), against the start of the listener's
last completed heartbeat round trip, so a listener stuck in any way (a frozen
backend, a stalled thread) stops the cache serving within
ACCOUNTS_TOKEN_CACHE_HEARTBEAT_MAX_AGE without the listener having to notice.
A row read while an eviction was in flight
is never stored: `generation` moves on every eviction, and `put` refuses a row
read under an older generation. Entries older than ACCOUNTS_TOKEN_CACHE_MAX_AGE
are read again.
"""

import threading
import time
from collections import OrderedDict
from datetime import datetime


class _Entry:
    __slots__ = ("row", "token_pk", "user_pk", "loaded_at", "last_used_at")

    def __init__(self, row: tuple, token_pk: int, user_pk: int, loaded_at: float) -> None:
        self.row = row
        self.token_pk = token_pk
        self.user_pk = user_pk
        self.loaded_at = loaded_at
        self.last_used_at: datetime | None = None


class TokenCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_token: dict[int, str] = {}
        self._by_user: dict[int, set[str]] = {}
        self.generation = 0
        self.connected = False
        # time.monotonic() when the last completed heartbeat was sent (listener.py).
        self.alive_at = float("-inf")

    def get(self, digest: str, max_age: float, max_silence: float) -> _Entry | None:
        """The entry for `digest`, if the listener is connected and was alive `max_silence` ago."""
        if not self.connected:
            return None
        now = time.monotonic()
        # Checked here, per request, not by the listener: a hung listener cannot vouch
        # for itself, and a revocation it has not received must stop being served.
        if now - self.alive_at > max_silence:
            return None
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if now - entry.loaded_at > max_age:
                self._drop(digest)
                return None
            self._entries.move_to_end(digest)
            return entry

    def put(
        self, digest: str, row: tuple, token_pk: int, user_pk: int, generation: int, size: int
    ) -> None:
        """Store a row read while `generation` was current, unless an eviction came since."""
        with self._lock:
            if not self.connected or generation != self.generation:
                return
            self._drop(digest)
            self._entries[digest] = _Entry(row, token_pk, user_pk, time.monotonic())
            self._by_token[token_pk] = digest
            self._by_user.setdefault(user_pk, set()).add(digest)
            while len(self._entries) > size:
                self._drop(next(iter(self._entries)))

    def beat(self, sent_at: float) -> None:
        """Record a heartbeat sent at `sent_at` whose answer (and every notice before) arrived."""
        self.alive_at = sent_at

    def remember_use(self, digest: str, token_pk: int, when: datetime | None) -> None:
        """Keep a cached row's last_used_at current, so the write stays once per interval."""
        entry = self._entries.get(digest)
        if entry is not None and entry.token_pk == token_pk:
            entry.last_used_at = when

    def __contains__(self, digest: str) -> bool:
        return digest in self._entries

    def evict_token(self, token_pk: int) -> None:
        with self._lock:
            self.generation += 1
            digest = self._by_token.get(token_pk)
            if digest is not None:
                self._drop(digest)

    def evict_user(self, user_pk: int) -> None:
        with self._lock:
            self.generation += 1
            for digest in list(self._by_user.get(user_pk, ())):
                self._drop(digest)

    def flush(self, *, connected: bool | None = None) -> None:
        """Empty the cache; optionally mark the listener (dis)connected at the same moment."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self._by_token.clear()
            self._by_user.clear()
            if connected is not None:
                self.connected = connected
                # A (re)connected listener has yet to prove itself with a heartbeat.
                self.alive_at = float("-inf")

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, digest: str) -> None:
        entry = self._entries.pop(digest, None)
        if entry is None:
            return
        self._by_token.pop(entry.token_pk, None)
        digests = self._by_user.get(entry.user_pk)
        if digests is not None:
            digests.discard(digest)
            if not digests:
                del self._by_user[entry.user_pk]


token_cache = TokenCache()
