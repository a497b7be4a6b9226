"""The PostgreSQL backend refuses at once while the outage probe finds the server down."""

import time

import psycopg
import pytest
from psycopg import errors

from accounts.http import outages
from authsite.postgresql.base import DatabaseWrapper, _answered


@pytest.fixture(autouse=True)
def _no_outage():
    outages._outages.clear()
    outages._unreachable.clear()
    yield
    outages._outages.clear()
    outages._unreachable.clear()


@pytest.mark.parametrize(
    ("error", "answered"),
    [
        (psycopg.OperationalError("connection refused"), False),  # no server
        (errors.AdminShutdown("terminating connection"), False),  # 57P01
        (errors.CannotConnectNow("the database system is starting up"), False),  # 57P03
        (errors.TooManyConnections("too many clients"), True),  # 53300: it is running
        (errors.QueryCanceled("statement timeout"), True),  # 57014: it is running
    ],
)
def test_the_probe_tells_a_running_server_from_a_down_one(error, answered):
    assert _answered(error) is answered


def test_a_connection_is_refused_at_once_while_the_last_probe_failed(monkeypatch):
    opened = []
    monkeypatch.setattr(
        "django.db.backends.postgresql.base.DatabaseWrapper.get_new_connection",
        lambda self, params: opened.append(params) or "connection",
    )
    wrapper = object.__new__(DatabaseWrapper)
    wrapper.alias = "default"
    outages._outages[outages.DATABASE] = [time.monotonic(), 1]
    outages._unreachable.add(outages.DATABASE)
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        wrapper.get_new_connection({})
    assert time.monotonic() - started < 0.5  # the pool would have waited 2 s
    assert opened == []
    outages.end(outages.DATABASE)
    assert wrapper.get_new_connection({}) == "connection"
