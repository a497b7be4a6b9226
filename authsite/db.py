"""A psycopg connection whose every wait for the server is bounded.

statement_timeout is enforced by the server, so a frozen server (SIGSTOP, a paused VM)
never answers it; TCP keepalives and tcp_user_timeout do not help either when the
server's kernel still acknowledges packets. This bound is the client-side one: a wait
longer than DATABASE_READ_TIMEOUT closes the connection and raises OperationalError,
which the site answers with 503 (accounts/http/outages.py).
"""

import psycopg
from django.conf import settings
from psycopg import errors


class BoundedConnection(psycopg.Connection):
    def wait(self, gen, interval=0.1, timeout=None):
        limit = settings.DATABASE_READ_TIMEOUT
        ours = limit is not None and (timeout is None or timeout > limit)
        if ours:
            timeout = limit
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except errors._WaitTimeout:
            if not ours:
                raise
            # The protocol state is unknown: never reuse this connection (the pool discards it).
            self.pgconn.finish()
            raise errors.OperationalError(
                f"The database server did not answer within {timeout:g} seconds."
            ) from None
