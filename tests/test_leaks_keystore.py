"""A slow GitHub key URL holds no request for long, and no request it did not start."""

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connections
from rest_framework.test import APIClient

from accounts.leaks import keystore
from accounts.models import Token
from accounts.tokens import keys as tokens
from tests.test_leaks_github import _key_list, _post, _report

DELAY = 4.0
THREADS = 4
# The wait (one second) plus room for a loaded two-core machine; the fetch takes DELAY.
BOUND = keystore.WAIT + 1.0


class _KeyServer:
    """GitHub's key list from 127.0.0.1, after `delay` seconds."""

    def __init__(self, body: bytes):
        self.body, self.delay, self.served = body, 0.0, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                time.sleep(server.delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(server.body)
                server.served.append(time.monotonic())

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/meta/public_keys/secret_scanning"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_served(self, count: int, timeout: float = DELAY + 5) -> None:
        deadline = time.monotonic() + timeout
        while len(self.served) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        # The fetching thread stores the keys right after the body arrives.
        time.sleep(0.2)


@pytest.fixture
def key_server(settings, monkeypatch):
    signing = ec.generate_private_key(ec.SECP256R1())
    server = _KeyServer(_key_list({"kid-1": signing}).encode())
    server.signing = signing
    monkeypatch.setattr(keystore, "_stores", {})
    clock = [1000.0]
    monkeypatch.setattr(keystore, "_now", lambda: clock[0])
    server.clock = clock
    settings.ACCOUNTS_SECRET_SCANNING_KEYS_FILE = None
    settings.ACCOUNTS_SECRET_SCANNING_KEYS_URL = server.url
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _timed(call) -> tuple[float, int]:
    started = time.monotonic()
    status = call()
    return time.monotonic() - started, status


def _forged(body: bytes, key_id: str) -> int:
    # A well-formed signature by a key GitHub never published, under a made-up key id.
    other = ec.generate_private_key(ec.SECP256R1())
    signature = base64.b64encode(other.sign(body, ec.ECDSA(hashes.SHA256()))).decode()
    return _post(APIClient(), body, key_id=key_id, signature=signature).status_code


def _in_threads(calls) -> list[tuple[float, int]]:
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = _timed(call)
        finally:
            # Back to the pool: the test client keeps a thread's connection open.
            connections.close_all()

    connections.close_all()  # this thread's too, so the pool has one for each thread
    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_made_up_key_ids_wait_a_second_at_most_and_start_one_fetch(key_server, user):
    key_server.delay = DELAY
    body = _report(tokens.generate())
    # As many as one worker has threads (gunicorn.conf.py) and PostgreSQL connections.
    results = _in_threads([lambda i=i: _forged(body, f"made-up-{i}") for i in range(THREADS)])
    assert all(status == 401 for _, status in results)
    assert max(elapsed for elapsed, _ in results) < BOUND, results
    # The slow fetch finishes in the background; the keys it brought are used, no new fetch.
    key_server.wait_served(1)
    token, raw = Token.objects.issue(user)
    response = _post(APIClient(), _report(raw), key_server.signing)
    assert response.status_code == 200
    assert response.json()[0]["label"] == "true_positive"
    assert len(key_server.served) == 1
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_known_key_never_waits_for_a_fetch_in_flight(key_server):
    body = _report(tokens.generate())
    assert _post(APIClient(), body, key_server.signing).status_code == 200
    assert len(key_server.served) == 1
    key_server.delay = DELAY
    key_server.clock[0] += 61

    def genuine():
        time.sleep(0.3)  # while the made-up id's fetch is in flight
        return _post(APIClient(), body, key_server.signing).status_code

    forged, known = _in_threads([lambda: _forged(body, "made-up"), genuine])
    assert forged[1] == 401 and forged[0] < BOUND
    # Waiting for the fetch would have taken about DELAY seconds.
    assert known[1] == 200 and known[0] < 1.5, known
    key_server.wait_served(2)
    assert len(key_server.served) == 2


@pytest.mark.django_db(transaction=True)
def test_a_slow_first_fetch_does_not_refuse_reports_for_a_minute(key_server):
    key_server.delay = 2.5
    body = _report(tokens.generate())
    elapsed, status = _timed(lambda: _post(APIClient(), body, key_server.signing).status_code)
    # Too slow for this request (GitHub retries a refused delivery) ...
    assert status == 401 and elapsed < BOUND
    key_server.wait_served(1)
    # ... but the keys arrive in the background, so the retry within the minute succeeds.
    assert _post(APIClient(), body, key_server.signing).status_code == 200
    assert len(key_server.served) == 1
