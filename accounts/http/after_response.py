"""Work that runs once the response has gone out, so its cost does not show in the answer.

`defer(func)` queues a callable for the current request; they run on `request_finished`,
which the WSGI server sends after the last byte of the response (Django's test client
sends it too), in the order they were queued.
"""

import logging
import threading
from collections.abc import Callable

from django.core.signals import request_finished
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)
_local = threading.local()


def defer(func: Callable[[], object]) -> None:
    """Run `func` after this request's response is sent."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = []
    pending.append(func)


def run(**kwargs) -> int:
    """Run the queued callables; return how many ran."""
    pending = getattr(_local, "pending", None)
    if not pending:
        return 0
    _local.pending = []
    for func in pending:
        try:
            func()
        except Exception:
            # The response has been sent: a failure is logged, never raised into the server.
            logger.exception("Work deferred after the response failed.")
    # Django's own request_finished receiver ran first: let it close or recycle what this
    # work reopened (not inside a transaction, such as a test's, whose connection stays).
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()
    return len(pending)


request_finished.connect(run, dispatch_uid="accounts.http.after_response.run")
