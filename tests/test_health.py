"""Liveness and readiness probes: JSON, no authentication, no database for /healthz."""

import logging
import time

import pytest
from django.db import OperationalError
from django.test import Client

from authsite import health, outages


@pytest.fixture(autouse=True)
def _no_outage():
    outages._outages.clear()
    health._running.clear()
    yield
    outages._outages.clear()


def test_healthz_answers_without_the_database(django_assert_num_queries, db):
    # Probes often send an address as Host: no ALLOWED_HOSTS match needed.
    with django_assert_num_queries(0):
        response = Client().get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_reports_each_check(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_readyz_is_503_when_the_database_fails(db, monkeypatch):
    def unreachable():
        raise OperationalError("Connection refused")

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "error", "cache": "ok"},
    }
    assert outages.is_active(outages.DATABASE)


def test_a_check_that_hangs_is_bounded(db, monkeypatch, settings):
    settings.READINESS_CHECK_TIMEOUT = 0.3
    monkeypatch.setitem(health.CHECKS, "cache", lambda: time.sleep(1.5))
    started = time.monotonic()
    response = Client().get("/readyz")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "error"}
    # A second probe does not queue another check behind the stuck one.
    started = time.monotonic()
    assert Client().get("/readyz").json()["checks"]["cache"] == "error"
    assert time.monotonic() - started < 0.5


def test_probes_refuse_other_methods(db):
    response = Client().post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_probes_are_left_out_of_the_access_log():
    keep = health.ProbeAccessLogFilter()

    def record(path):
        return logging.LogRecord(
            "gunicorn.access", logging.INFO, "", 0, "%(r)s", ({"U": path, "r": "GET"},), None
        )

    assert not keep.filter(record("/healthz"))
    assert not keep.filter(record("/readyz"))
    assert keep.filter(record("/api/auth/me/"))
