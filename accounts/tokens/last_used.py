"""Record token use after the response is sent, at most once per interval per token.

The conditional UPDATE is a write transaction; on SQLite it waits for a journal sync.
Made during authentication, it would lengthen the one request in an interval that
pays it (the p99 outlier). Queued here and written on `request_finished`, which the
WSGI server sends once the response has gone out (Django's test client sends it too).
"""

import logging
import threading
from datetime import datetime

from django.core.signals import request_finished
from django.db import DatabaseError
from django.db.models import Q

from accounts.conf import app_settings
from accounts.models import Token

logger = logging.getLogger(__name__)
_local = threading.local()


def is_due(token: Token, now: datetime) -> bool:
    last = token.last_used_at
    return last is None or last <= now - app_settings.TOKEN_LAST_USED_INTERVAL


def schedule(token: Token, now: datetime, ip: str | None = None) -> None:
    """Queue the write (time and client address) if due; the instance shows them at once."""
    if not is_due(token, now):
        return
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = {}
    pending[token.pk] = (now, ip or None)
    token.last_used_at, token.last_used_ip = now, ip or None


def flush(**kwargs) -> int:
    """Write the queued times; return how many rows changed."""
    pending = getattr(_local, "pending", None)
    if not pending:
        return 0
    _local.pending = {}
    threshold_for = app_settings.TOKEN_LAST_USED_INTERVAL
    written = 0
    for pk, (now, ip) in pending.items():
        threshold = now - threshold_for
        try:
            # Conditional: concurrent requests cannot move the value backwards and
            # nothing else on the row is overwritten.
            written += (
                Token.objects.filter(pk=pk)
                .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold))
                .update(last_used_at=now, last_used_ip=ip)
            )
        except DatabaseError:
            # The response has been sent; a lost timestamp is not worth a 500 or a crash.
            logger.warning("Could not record the last use of token %s.", pk, exc_info=True)
    return written


request_finished.connect(flush, dispatch_uid="accounts.tokens.last_used.flush")
