"""Answer 503 while the database or the cache cannot be reached, and log each outage once.

An outage of a backend starts with the first request that fails to reach it (one
log line) and ends with the first database query, counter update or probe that
succeeds again (one more line), per process. Requests in between get 503 with
Retry-After and no traceback. Nothing needs restarting.

A backend with a probe (the database: authsite/postgresql) is also a circuit
breaker: from the first failure one thread probes it every PROBE_INTERVAL seconds;
while the last probe failed, requests that need it fail at once (refuses()) instead
of each waiting a connection timeout, and the first probe that succeeds ends the
outage, in an idle process too, so the logged length is the real one.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse

from accounts.exceptions import ServiceUnavailable

logger = logging.getLogger("accounts.http.outages")

DATABASE = "database"
CACHE = "cache"
DETAIL = "Service temporarily unavailable."

_DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
try:
    import psycopg

    # psycopg_pool.PoolTimeout is a psycopg.OperationalError.
    _DATABASE_ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - psycopg is in requirements.txt
    pass

_CACHE_ERRORS: tuple[type[BaseException], ...] = ()
try:
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    _CACHE_ERRORS = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - django-redis is in requirements.txt
    pass

PROBE_INTERVAL = 0.5  # seconds between two probes of an unreachable backend

_lock = threading.Lock()
# Backend name -> [monotonic start, requests answered 503]; empty while all is well.
_outages: dict[str, list] = {}
# Backend name -> (probe: True when the backend answers, reset: called before its outage
# ends if a probe had failed); installed by the backend's own code.
_probes: dict[str, tuple[Callable[[], bool], Callable[[], None]]] = {}
# Backends whose last probe failed: requests that need them are refused at once.
_unreachable: set[str] = set()
_probers: dict[str, threading.Thread] = {}


def kind_of(exc: BaseException | None) -> str | None:
    """Name the backend that `exc` says is unreachable, or None for any other error."""
    if isinstance(exc, _DATABASE_ERRORS):
        # SQLite's "database is locked" too: the request may be retried, it is not a bug.
        return DATABASE
    if _CACHE_ERRORS and isinstance(exc, _CACHE_ERRORS):
        return CACHE
    return None


def is_active(kind: str) -> bool:
    return kind in _outages


def refuses(kind: str) -> bool:
    """Whether a request that needs `kind` should fail at once: its last probe failed."""
    return kind in _unreachable


def install_probe(kind: str, probe: Callable[[], bool], reset: Callable[[], None]) -> None:
    _probes[kind] = (probe, reset)


def _probe_until_answered(kind: str) -> None:
    failed = False
    while True:
        with _lock:  # begin() starts a prober under this lock only if none is registered
            entry = _probes.get(kind)
            if kind not in _outages or entry is None:
                _probers.pop(kind, None)
                return
        probe, reset = entry
        try:
            answered = probe()
            if answered and failed:
                reset()
        except Exception:  # a probe that breaks is a probe that failed
            answered = False
        if answered:
            end(kind)
            continue  # returns above, unless a new outage began meanwhile
        failed = True
        with _lock:
            if kind in _outages:  # not ended meanwhile by a request that got through
                _unreachable.add(kind)
        time.sleep(PROBE_INTERVAL)


def _start_prober(kind: str) -> None:
    """Start the prober of `kind` unless one runs (called with _lock held)."""
    if kind not in _probes or kind in _probers:
        return
    _probers[kind] = thread = threading.Thread(
        target=_probe_until_answered, args=(kind,), name=f"outage-probe-{kind}", daemon=True
    )
    thread.start()


def begin(kind: str, exc: BaseException) -> None:
    """Count a request that failed because `kind` is unreachable; log only the first."""
    refused = any(getattr(e, "refused_at_once", False) for e in (exc, exc.__cause__))
    with _lock:
        if kind in _outages:
            _outages[kind][1] += 1
            return
        if refused:  # by the breaker of an outage that has ended since: not a new one
            return
        _outages[kind] = [time.monotonic(), 1]
        _start_prober(kind)
    reason = (str(exc).strip().splitlines() or [""])[0][:200]
    logger.error(
        "The %s is unavailable (%s: %s); answering 503 until it answers again.",
        kind,
        type(exc).__name__,
        reason,
    )


def end(kind: str) -> None:
    """Note that `kind` answered; log the end of its outage if one was going on."""
    if kind not in _outages:  # the common case: no lock taken
        return
    with _lock:
        state = _outages.pop(kind, None)
        _unreachable.discard(kind)
    if state is not None:
        logger.warning(
            "The %s is available again after %.1f seconds; %d requests were answered 503.",
            kind,
            time.monotonic() - state[0],
            state[1],
        )


def retry_after() -> str:
    return str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER)


def service_unavailable(request) -> HttpResponse:
    """The 503 for any path: DRF's JSON shape on API paths, a short page elsewhere."""
    path = request.path_info
    response: HttpResponse
    if path == "/api" or path.startswith("/api/"):
        response = JsonResponse({"detail": DETAIL}, status=503)
    else:
        response = HttpResponse(
            "<!doctype html><title>Service temporarily unavailable</title>"
            "<h1>Service temporarily unavailable</h1><p>Please try again in a few seconds.</p>",
            status=503,
        )
    response["Retry-After"] = retry_after()
    response["Cache-Control"] = "no-store"
    return response


def _database_answered(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    end(DATABASE)
    return result


class ServiceUnavailableMiddleware:
    """Turn database and cache connection errors raised by views into 503.

    Errors raised inside other middleware (the session's save, for one) reach
    handler500 (authsite.errors.server_error), which answers the same 503; DRF views
    convert theirs in accounts.http.handlers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if DATABASE not in _outages:
            return self.get_response(request)
        # Only during an outage: the first query that succeeds ends it.
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(_database_answered):
            return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ServiceUnavailable):
            # Raised by the core in a plain Django view (the admin login's busy hasher).
            return service_unavailable(request)
        kind = kind_of(exception)
        if kind is None:
            return None
        begin(kind, exception)
        return service_unavailable(request)


class OutageLogFilter(logging.Filter):
    """Keep django.request from logging each 503 (with a traceback) during an outage.

    Every 503 this site sends is an outage answer, already logged once by begin().
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 503:
            return False
        exc = record.exc_info[1] if record.exc_info else None
        return kind_of(exc) is None
