"""Liveness and readiness probes: JSON, no authentication, no database for /healthz."""

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError
from django.test import Client

from accounts.http import outages
from authsite import health


@pytest.fixture(autouse=True)
def _no_outage():
    outages._outages.clear()
    health._running.clear()
    # On PostgreSQL the backend installs a real probe, which would end a faked outage.
    probes = dict(outages._probes)
    outages._probes.clear()
    yield
    outages._outages.clear()
    outages._unreachable.clear()
    for thread in list(outages._probers.values()):
        thread.join(timeout=5)  # a prober ends with its outage
    outages._probes.update(probes)


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
    # Like every other 503: when to ask again.
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert outages.is_active(outages.DATABASE)


def test_a_burst_of_probes_shares_one_check_and_is_all_200(db, monkeypatch, caplog):
    runs = []

    def slow_check():
        runs.append(1)
        time.sleep(0.2)  # every other probe of the burst arrives while it runs

    monkeypatch.setitem(health.CHECKS, "database", slow_check)
    monkeypatch.setitem(health.CHECKS, "cache", slow_check)
    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(lambda _: health.readiness()[0], range(300)))
    assert statuses == [200] * 300
    assert len(runs) <= 4  # one per check, once more if the burst outlives REUSE
    assert not outages.is_active(outages.DATABASE)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


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
