"""One thread per process that LISTENs for token and user changes and evicts.

It holds its own psycopg connection (autocommit), not one of Django's. The cache
serves only while this connection is up: on any error it is bypassed and flushed,
and the thread reconnects, LISTENs again and only then lets the cache serve.
"""

import logging
import os
import threading

import psycopg
from django.db import connections

from accounts.tokencache.cache import token_cache

logger = logging.getLogger(__name__)
CHANNEL = "authsite_tokencache"
APPLICATION_NAME = "authsite-tokencache"
# How long one wait for notifications lasts before the connection is checked.
HEARTBEAT = 1.0
RETRY = 0.5

_lock = threading.Lock()
_thread: threading.Thread | None = None
_pid: int | None = None
_stop = threading.Event()


def _connection_params(alias: str) -> dict:
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


def _handle(payload: str) -> None:
    kind, _, value = payload.partition(":")
    if kind == "t" and value.isdigit():
        token_cache.evict_token(int(value))
    elif kind == "u" and value.isdigit():
        token_cache.evict_user(int(value))
    else:
        token_cache.flush()


def _run(params: dict, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with psycopg.connect(**params) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                # Listening before serving: nothing committed from here on is missed.
                token_cache.flush(connected=True)
                while not stop.is_set():
                    for notify in conn.notifies(timeout=HEARTBEAT):
                        _handle(notify.payload)
                    conn.execute("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means: stop serving, reconnect
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
            target=_run, args=(_connection_params(alias), _stop), name=APPLICATION_NAME, daemon=True
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
