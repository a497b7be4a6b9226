"""Liveness and readiness probes for load balancers and orchestrators.

`GET /healthz`: the process answers; nothing else is touched. `GET /readyz`: the
database and the cache each answer a trivial request within
READINESS_CHECK_TIMEOUT seconds. Both are answered by the first middleware, so they
need no session, no authentication, no throttle and no ALLOWED_HOSTS match (probes
often send an address as Host), and do no work for unrelated middleware.
"""

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse

from accounts.http import outages

PATHS = frozenset({"/healthz", "/readyz"})

# Checks run in threads of their own so that a frozen backend costs the probe one
# bounded wait. Probes share checks: one started less than REUSE seconds ago, or one
# still running (stuck on a frozen backend), is waited for rather than started again,
# so a burst of probes runs one check per backend and never piles up threads.
REUSE = 1.0
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")
# Check name -> (monotonic time it started, its future).
_running: dict[str, tuple[float, Future]] = {}
_running_lock = threading.Lock()


def _check_database() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        # This thread's connection: back to the pool (or closed) at once.
        connection.close()


def _check_cache() -> None:
    try:
        caches["default"].get("authsite:readyz")
    finally:
        connections.close_all()  # the database cache used this thread's connection


CHECKS = {outages.DATABASE: _check_database, outages.CACHE: _check_cache}


def _shared(name: str, now: float) -> Future:
    """The check of `name` this probe waits for: a recent or running one, else a new one."""
    with _running_lock:
        started, future = _running.get(name, (0.0, None))
        if future is not None and (not future.done() or now - started < REUSE):
            return future
        future = _executor.submit(CHECKS[name])
        _running[name] = (now, future)
        return future


def readiness() -> tuple[int, dict]:
    now = time.monotonic()
    deadline = now + settings.READINESS_CHECK_TIMEOUT
    futures = {name: _shared(name, now) for name in CHECKS}
    checks = {}
    for name, future in futures.items():
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
        except Exception as exc:  # any failure makes the site not ready
            checks[name] = "error"
            if isinstance(exc, TimeoutError) and not str(exc):
                exc = TimeoutError(f"No answer within {settings.READINESS_CHECK_TIMEOUT:g} s.")
            outages.begin(outages.kind_of(exc) or name, exc)
        else:
            checks[name] = "ok"
            outages.end(name)
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return (200 if ready else 503), body


def _probe_response(path: str, method: str) -> JsonResponse:
    if method not in ("GET", "HEAD"):
        response = JsonResponse({"detail": f'Method "{method}" not allowed.'}, status=405)
        response["Allow"] = "GET, HEAD"
    elif path == "/healthz":
        response = JsonResponse({"status": "ok"})
    else:
        status, body = readiness()
        response = JsonResponse(body, status=status)
        if status == 503:
            response["Retry-After"] = outages.retry_after()
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before any other middleware runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PATHS:
            return _probe_response(request.path_info, request.method)
        return self.get_response(request)


class ProbeAccessLogFilter(logging.Filter):
    """Leave probe requests out of gunicorn's access log (its atoms: "U" is the path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        return not (isinstance(args, dict) and args.get("U") in PATHS)
