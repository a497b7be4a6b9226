"""One thread per process that LISTENs for token and user changes and evicts.

It holds its own psycopg connection (autocommit), not one of Django's. The cache
serves only while this connection is up: on any error it is bypassed and flushed,
and the thread reconnects, LISTENs again and only then lets the cache serve.

Between waits for notifications it runs a heartbeat (`SELECT 1`) whose every wait is
bounded on the client side: a frozen server or backend never answers, and neither
statement_timeout (the server's) nor TCP keepalives (the kernel still acknowledges)
would end that wait. Each completed heartbeat tells the cache when it was sent; the
cache serves only while that is younger than ACCOUNTS_TOKEN_CACHE_HEARTBEAT_MAX_AGE
(cache.py checks it per request), so a silent listener stops it within that bound.
"""

import logging
import os
import threading
import time

import psycopg
from django.conf import settings
from django.db import connections

from accounts.conf import app_settings
from accounts.tokencache.cache import token_cache

logger = logging.getLogger(__name__)
CHANNEL = "authsite_tokencache"
APPLICATION_NAME = "authsite-tokencache"
# Longest pause between heartbeats (shorter when the allowed silence is short).
HEARTBEAT = 1.0
RETRY = 0.5

_lock = threading.Lock()
_thread: threading.Thread | None = None
_pid: int | None = None
_stop = threading.Event()


def connection_params(alias: str) -> dict:
    params = connections[alias].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.update(
        autocommit=True,
        application_name=APPLICATION_NAME,
        connect_timeout=5,
        # Detect a silently dead peer too: the cache must not serve without notifications.
        keepalives=1,
        keepalives_idle=5,
        keepalives_interval=2,
        keepalives_count=2,
    )
    return params


class HeartbeatConnection(psycopg.Connection):
    """A connection none of whose waits for the server lasts longer than `bound` seconds."""

    bound: float | None = None

    def wait(self, gen, interval=0.1, timeout=None):
        bound = self.bound
        ours = bound is not None and (timeout is None or timeout > bound)
        try:
            return super().wait(gen, interval=interval, timeout=bound if ours else timeout)
        except psycopg.OperationalError:
            if ours:
                # The protocol state is unknown: close without waiting for anything more.
                self.pgconn.finish()
            raise


def _timing() -> tuple[float, float]:
    """The heartbeat's interval and its client-side bound, in seconds."""
    silence = app_settings.TOKEN_CACHE_HEARTBEAT_MAX_AGE.total_seconds()
    bound = silence
    read_timeout = getattr(settings, "DATABASE_READ_TIMEOUT", None)
    if read_timeout is not None:
        bound = min(bound, read_timeout)
    # Three heartbeats fit in the allowed silence, so one slow answer does not stop serving.
    return min(HEARTBEAT, silence / 3), bound


def _drain(conn: psycopg.Connection, timeout: float) -> None:
    for notify in conn.notifies(timeout=timeout):
        _handle(notify.payload)


def _handle(payload: str) -> None:
    kind, _, value = payload.partition(":")
    if kind == "t" and value.isdigit():
        token_cache.evict_token(int(value))
    elif kind == "u" and value.isdigit():
        token_cache.evict_user(int(value))
    else:
        token_cache.flush()


def _run(params: dict, stop: threading.Event, interval: float, bound: float) -> None:
    while not stop.is_set():
        try:
            with HeartbeatConnection.connect(**params) as conn:
                conn.bound = bound
                sent = time.monotonic()
                conn.execute(f"LISTEN {CHANNEL}")
                # Listening before serving: nothing committed from here on is missed.
                token_cache.flush(connected=True)
                token_cache.beat(sent)
                while not stop.is_set():
                    _drain(conn, interval)
                    sent = time.monotonic()
                    conn.execute("SELECT 1")
                    # Notifications committed before `sent` arrived before the answer;
                    # evict them before vouching for the cache up to `sent`.
                    _drain(conn, 0)
                    token_cache.beat(sent)
        except Exception:  # any failure means: stop serving, reconnect
            if token_cache.connected:
                logger.warning("Token cache listener disconnected; bypassing the cache.")
        token_cache.flush(connected=False)
        stop.wait(RETRY)


def ensure_started(alias: str = "default") -> None:
    """Start the listener in this process (again after a fork) if it is not running."""
    global _thread, _pid, _stop
    if _pid == os.getpid() and _thread is not None and _thread.is_alive():
        return
    with _lock:
        if _pid == os.getpid() and _thread is not None and _thread.is_alive():
            return
        token_cache.flush(connected=False)
        _stop = threading.Event()
        _thread = threading.Thread(
            target=_run,
            args=(connection_params(alias), _stop, *_timing()),
            name=APPLICATION_NAME,
            daemon=True,
        )
        _pid = os.getpid()
        _thread.start()


def stop(timeout: float = 5.0) -> None:
    """Stop the listener and bypass the cache (tests call this before dropping the database)."""
    global _thread
    with _lock:
        thread, _thread = _thread, None
        _stop.set()
    if thread is not None:
        thread.join(timeout)
    token_cache.flush(connected=False)
