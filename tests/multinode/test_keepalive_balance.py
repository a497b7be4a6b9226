"""Kept-alive connections opened at once are shared by both workers (authsite/workers.py).

gunicorn's gthread worker keeps a kept-alive connection for its life; without the shared
connection table one worker could win every accept and the other sit idle. Each round
opens CONNECTIONS connections at once, sends REQUESTS on each, and counts per worker the
requests its access log line names it for.
"""

import collections
import http.client
import re
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.live.conftest import ROOT, _wait_for_address
from tests.multinode.conftest import app_env, migrate
from tests.test_deploy import nginx_site
from tests.test_serving import _free_port

pytestmark = pytest.mark.multinode

CONNECTIONS = 16
REQUESTS = 20
ROUNDS = 4
# The busier worker's share of the requests: 12 of 16 connections' worth at most (an even
# split is 8, gunicorn's own gthread worker gave all 16; through nginx's pool a round has
# come out at 10.1, so 10 left no room for a shared machine).
MOST = 12 / CONNECTIONS
WORKER_LINE = re.compile(r"^worker=<(\d+)>$", re.MULTILINE)
# The access log names the worker process of every request.
ACCESS_LOG_FORMAT = ("--access-logformat", "worker=%(p)s")


def _round(
    connect: Callable[[], http.client.HTTPConnection],
    headers: dict,
    connections_at_once: int = CONNECTIONS,
    requests: int = REQUESTS,
) -> None:
    """Clients that start together and each send `requests` on one connection."""
    connections = [connect() for _ in range(connections_at_once)]
    start = threading.Barrier(connections_at_once)
    failures = []

    def client(connection):
        try:
            start.wait(timeout=30)
            for _ in range(requests):
                connection.request("GET", "/api/auth/me/", headers=headers)
                response = connection.getresponse()
                response.read()
                assert response.status == 401
        except Exception as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures


def _shares(log: Path, seen: int) -> tuple[list[float], int]:
    # A worker writes its access line just after the response: wait for the last ones.
    deadline = time.monotonic() + 10
    while True:
        lines = WORKER_LINE.findall(log.read_text())
        if len(lines) - seen >= CONNECTIONS * REQUESTS or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    counts = collections.Counter(lines[seen:])
    assert sum(counts.values()) == CONNECTIONS * REQUESTS
    return [n / (CONNECTIONS * REQUESTS) for n in counts.values()], len(lines)


def _assert_balanced(
    log: Path,
    connect: Callable[[], http.client.HTTPConnection],
    headers: dict,
    direct: tuple[Callable[[], http.client.HTTPConnection], dict] | None = None,
) -> None:
    # The master listens before its workers have loaded the app: small bursts straight to
    # gunicorn until both serve, so that the rounds measure the sharing, not a worker
    # still booting (through nginx, its pool would keep the bursts on the first worker).
    warm_connect, warm_headers = direct or (connect, headers)
    deadline = time.monotonic() + 60
    while len(set(WORKER_LINE.findall(log.read_text()))) < 2:
        assert time.monotonic() < deadline, "the second worker never served"
        _round(warm_connect, warm_headers, connections_at_once=4, requests=2)
        time.sleep(0.2)
    seen = len(WORKER_LINE.findall(log.read_text()))
    for _ in range(ROUNDS):
        _round(connect, headers)
        shares, seen = _shares(log, seen)
        assert max(shares) <= MOST, shares


def test_kept_alive_connections_opened_at_once_are_shared_by_both_workers(tmp_path):
    env = app_env(tmp_path)
    env.update(PORT=str(_free_port()), WEB_CONCURRENCY="2", GUNICORN_ACCESS_LOG="-")
    migrate(env)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *ACCESS_LOG_FORMAT,
             "authsite.wsgi"],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        address = _wait_for_address(log, process)
        host, port = address.removeprefix("http://").split(":")
        _assert_balanced(log, lambda: http.client.HTTPConnection(host, int(port), timeout=30), {})
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_nginx_keepalive_pool_is_shared_by_both_workers(tmp_path):
    """Through deploy/nginx-authsite.conf, whose upstream pool keeps connections alive."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    extra = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4", "GUNICORN_ACCESS_LOG": "-"}
    app_port = _free_port()
    with nginx_site(tmp_path, extra, ACCESS_LOG_FORMAT, app_port) as (https_port, _):
        _assert_balanced(
            tmp_path / "app.log",
            lambda: http.client.HTTPSConnection(
                "127.0.0.1", https_port, context=context, timeout=30
            ),
            # The site's name, which the example environment allows.
            {"Host": "api.example.com"},
            direct=(
                lambda: http.client.HTTPConnection("127.0.0.1", app_port, timeout=30),
                # As nginx forwards it: HTTPS at the edge, so no redirect.
                {"Host": "api.example.com", "X-Forwarded-Proto": "https"},
            ),
        )
