"""Answer 503 while the database or the cache cannot be reached, and log each outage once.

An outage of a backend starts with the first request that fails to reach it (one
log line) and ends with the first database query, or counter update, that succeeds
again (one more line), per process. Requests in between get 503 with Retry-After and
no traceback. Nothing needs restarting: every request tries the backend afresh.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger("authsite.outages")

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

_lock = threading.Lock()
# Backend name -> [monotonic start, requests answered 503]; empty while all is well.
_outages: dict[str, list] = {}


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


def begin(kind: str, exc: BaseException) -> None:
    """Count a request that failed because `kind` is unreachable; log only the first."""
    with _lock:
        if kind in _outages:
            _outages[kind][1] += 1
            return
        _outages[kind] = [time.monotonic(), 1]
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
    convert theirs in accounts.handlers.
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
