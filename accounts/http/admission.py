"""How long the current request may still wait for a scarce resource (a password hash).

A burst of logins must degrade into quick refusals, not into answers that arrive after
the proxy gave up. Each request gets a deadline: ACCOUNTS_PASSWORD_HASH_WAIT after it
arrived. Arrival is when the server queued it (QUEUED_AT in the WSGI environ, set by
authsite.workers.ThreadWorker, so time spent waiting for a gunicorn thread counts too),
or else when it reached this middleware.
"""

import threading
import time

from accounts.conf import app_settings

# WSGI environ key: time.monotonic() when the server queued the request for a thread.
QUEUED_AT = "accounts.queued_at"

_local = threading.local()


def deadline() -> float | None:
    """The time.monotonic() by which this request must start waiting work; None outside one."""
    return getattr(_local, "deadline", None)


class AdmissionMiddleware:
    """Give each request its deadline for starting a password hash."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        arrived = request.META.get(QUEUED_AT)
        if not isinstance(arrived, float):
            arrived = time.monotonic()
        _local.deadline = arrived + app_settings.PASSWORD_HASH_WAIT.total_seconds()
        try:
            return self.get_response(request)
        finally:
            _local.deadline = None
