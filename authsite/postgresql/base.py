"""Django's PostgreSQL backend, but a request gets its 503 at once while the server is down.

Without this every request waits the pool's whole timeout (DJANGO_DB_POOL_TIMEOUT) for a
connection that cannot come, so threads pile up and even /healthz waits for one. Once a
request has failed to reach the server, accounts.http.outages probes it from a thread of
its own (one probe at a time); while the last probe failed, opening a connection fails at
once. The first probe that succeeds ends the outage; the pool, which may still be backing
off between reconnection attempts, is replaced so that recovery takes milliseconds.
"""

import psycopg
from django.db import DEFAULT_DB_ALIAS
from django.db.backends.postgresql import base

from accounts.http import outages

# SQLSTATE classes that mean the server is not serving: connection exceptions, and
# operator intervention (shutting down, starting up, crash recovery) but not
# query_canceled (57014), which is a statement timeout answered by a running server.
_DOWN = ("08", "57P")


def _answered(exc: psycopg.Error) -> bool:
    """Whether `exc` came from a running server (too many clients, a wrong password)."""
    state = exc.sqlstate or ""
    return bool(state) and not state.startswith(_DOWN)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.alias == DEFAULT_DB_ALIAS:  # the database whose outages are logged
            outages.install_probe(outages.DATABASE, self._probe, self._reset_pool)

    def get_new_connection(self, conn_params):
        if self.alias == DEFAULT_DB_ALIAS and outages.refuses(outages.DATABASE):
            # No wait for the pool: the probe has just found the server unreachable.
            error = psycopg.OperationalError("The database server is unreachable (last probe).")
            error.refused_at_once = True
            raise error
        return super().get_new_connection(conn_params)

    def _probe(self) -> bool:
        """Open and close one connection outside the pool: does the server answer?"""
        params = self.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        try:
            psycopg.Connection.connect(**params).close()
        except psycopg.Error as exc:
            return _answered(exc)
        return True

    def _reset_pool(self) -> None:
        # The old pool may be waiting seconds between reconnection attempts (backoff);
        # no request has used it since the probe failed, so start a fresh one.
        self.close_pool()  # type: ignore[attr-defined]  # Django 5.1+, not in the stubs
