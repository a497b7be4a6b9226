"""Database and cache outages answer 503 with Retry-After, logged once per outage."""

import logging
import threading
import time

import pytest
from django.db import OperationalError
from django.test import Client
from django_redis.exceptions import ConnectionInterrupted
from psycopg_pool import PoolTimeout

from accounts.http import outages
from accounts.tokens.authentication import TokenAuthentication

BODY = {"detail": "Service temporarily unavailable."}


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def _clear():
    outages._outages.clear()
    outages._unreachable.clear()


@pytest.fixture(autouse=True)
def _no_outage():
    _clear()
    # On PostgreSQL the backend installs a real probe, which would end a faked outage.
    probes = dict(outages._probes)
    outages._probes.clear()
    yield
    _clear()
    outages._probes.clear()
    for thread in list(outages._probers.values()):
        thread.join(timeout=5)  # a prober ends with its outage
    outages._probes.update(probes)


@pytest.fixture
def logged():
    """Every record from accounts.http.outages and django.request (its filters included)."""
    handler = _Records()
    loggers = [logging.getLogger("accounts.http.outages"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


def _lines(records, name):
    return [r.getMessage() for r in records if r.name == name]


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection to server failed: Connection refused"),
        PoolTimeout("couldn't get a connection after 2.00 sec"),
    ],
)
def test_database_unreachable_during_authentication_is_a_503(
    auth_client, monkeypatch, logged, error
):
    def unreachable(self, raw, request=None):
        raise error

    monkeypatch.setattr(TokenAuthentication, "authenticate_credentials", unreachable)
    responses = [auth_client.get("/api/auth/me/") for _ in range(3)]
    for response in responses:
        assert response.status_code == 503
        assert response.json() == BODY
        assert response["Retry-After"] == "5"
    # One line for the outage, none per request, no traceback.
    (line,) = _lines(logged, "accounts.http.outages")
    assert line.startswith("The database is unavailable")
    assert _lines(logged, "django.request") == []
    assert not any(r.exc_info for r in logged)


def test_the_outage_ends_with_the_first_query_that_succeeds(
    auth_client, monkeypatch, logged, settings
):
    settings.SERVICE_UNAVAILABLE_RETRY_AFTER = 7
    original = TokenAuthentication.authenticate_credentials

    def unreachable(self, raw, request=None):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(TokenAuthentication, "authenticate_credentials", unreachable)
    assert auth_client.get("/api/auth/me/")["Retry-After"] == "7"
    assert outages.is_active(outages.DATABASE)
    monkeypatch.setattr(TokenAuthentication, "authenticate_credentials", original)
    assert auth_client.get("/api/auth/me/").status_code == 200
    assert not outages.is_active(outages.DATABASE)
    start, end = _lines(logged, "accounts.http.outages")
    assert end.startswith("The database is available again after")
    assert "1 requests were answered 503" in end


def test_redis_unreachable_makes_login_a_503_not_a_500(api_client, user, password, monkeypatch):
    def unreachable(key, timeout):
        raise ConnectionInterrupted(connection=None)

    monkeypatch.setattr("accounts.ratelimit.throttling.hit", unreachable)
    response = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 503
    assert response.json() == BODY
    assert int(response["Retry-After"]) > 0
    assert outages.is_active(outages.CACHE)


def test_an_error_in_a_plain_django_view_is_a_short_503_page(staff_client, monkeypatch, logged):
    from django.contrib.admin import AdminSite

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(AdminSite, "get_app_list", unreachable)
    response = staff_client.get("/admin/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Service temporarily unavailable" in response.content
    assert _lines(logged, "django.request") == []


class _FailingMiddleware:
    """Stands for the session middleware failing to save a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise OperationalError("terminating connection due to administrator command")


def test_an_error_inside_a_middleware_is_a_503_without_a_traceback(
    db, settings, logged, user, password
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_outages._FailingMiddleware"]
    client = Client(raise_request_exception=False)
    for _ in range(2):
        response = client.get("/api/auth/me/")
        assert response.status_code == 503
        assert response.json() == BODY
        assert response["Retry-After"] == "5"
    assert len(_lines(logged, "accounts.http.outages")) == 1
    assert _lines(logged, "django.request") == []


def test_other_errors_are_still_500_and_logged(rf, logged):
    from authsite.errors import server_error

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/api/auth/me/"))
    assert response.status_code == 500
    assert outages._outages == {}


def test_sqlite_database_is_locked_is_a_503(api_client, db, monkeypatch):
    from accounts.models import UserManager

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(UserManager, "register", locked)
    response = api_client.post(
        "/api/auth/register/",
        {"email": "new@example.com", "password": "plum-tree orbit harbour lantern"},
        format="json",
    )
    assert response.status_code == 503
    assert response.json() == BODY


def test_a_cache_outage_ends_with_the_next_counter_update(api_client, user, password, logged):
    outages.begin(outages.CACHE, ConnectionInterrupted(connection=None))
    response = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 200
    assert not outages.is_active(outages.CACHE)
    assert _lines(logged, "accounts.http.outages")[-1].startswith("The cache is available again")


class _Backend:
    """A backend whose probe answers as told, counting the probes that overlap."""

    def __init__(self, *answers: bool):
        self.answers = list(answers)
        self.resets = 0
        self.running = self.most_at_once = 0
        self.lock = threading.Lock()

    def probe(self) -> bool:
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        return self.answers.pop(0) if self.answers else True

    def reset(self):
        self.resets += 1


def _until(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_while_the_probe_fails_requests_are_refused_at_once_until_it_succeeds(monkeypatch, logged):
    monkeypatch.setattr(outages, "PROBE_INTERVAL", 0.05)
    backend = _Backend(False, False, False, True)
    outages.install_probe(outages.DATABASE, backend.probe, backend.reset)
    started = time.monotonic()
    for _ in range(5):  # many failing requests, one prober
        outages.begin(outages.DATABASE, PoolTimeout("couldn't get a connection"))
    _until(lambda: outages.refuses(outages.DATABASE))
    _until(lambda: not outages.is_active(outages.DATABASE))
    length = time.monotonic() - started
    assert not outages.refuses(outages.DATABASE)
    assert backend.most_at_once == 1
    # The pool that was backing off is replaced before requests may use it again.
    assert backend.resets == 1
    start, end = _lines(logged, "accounts.http.outages")
    assert start.startswith("The database is unavailable (PoolTimeout")
    # The length is measured to the probe that succeeded, with no request needed.
    seconds = float(end.split("after ")[1].split(" seconds")[0])
    assert seconds == pytest.approx(length, abs=0.1)
    assert "5 requests were answered 503" in end


def test_an_error_from_a_server_that_answers_the_probe_refuses_nothing(monkeypatch, logged):
    backend = _Backend(True)
    outages.install_probe(outages.DATABASE, backend.probe, backend.reset)
    outages.begin(outages.DATABASE, OperationalError("deadlock detected"))
    _until(lambda: not outages.is_active(outages.DATABASE))
    assert backend.resets == 0
    assert not outages.refuses(outages.DATABASE)


def test_a_probe_that_raises_counts_as_failed(monkeypatch):
    monkeypatch.setattr(outages, "PROBE_INTERVAL", 0.05)
    calls = []

    def probe():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("no route")
        return True

    outages.install_probe(outages.DATABASE, probe, lambda: None)
    outages.begin(outages.DATABASE, PoolTimeout("couldn't get a connection"))
    _until(lambda: not outages.is_active(outages.DATABASE))
    assert len(calls) == 2


def test_a_backend_without_a_probe_is_never_refused(auth_client, monkeypatch):
    # SQLite's "database is locked" is an outage for the log, never a reason to refuse.
    outages._probes.clear()
    outages.begin(outages.DATABASE, OperationalError("database is locked"))
    time.sleep(0.05)
    assert not outages.refuses(outages.DATABASE)
    assert auth_client.get("/api/auth/me/").status_code == 200
    assert not outages.is_active(outages.DATABASE)


def test_a_request_refused_just_before_the_outage_ended_starts_no_new_one(logged):
    refused = OperationalError("The database server is unreachable (last probe).")
    refused.__cause__ = cause = Exception("refused")
    cause.refused_at_once = True
    outages.begin(outages.DATABASE, refused)
    assert not outages.is_active(outages.DATABASE)
    assert _lines(logged, "accounts.http.outages") == []
