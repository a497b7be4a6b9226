"""The limits hold across processes: two gunicorn servers sharing one cache.

Each server is a separate process with its own memory, as two hosts behind a
load balancer would be; only the cache (the database table, or Redis) is shared.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "plum-tree orbit harbour lantern"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(port: int, path: str, body: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _wait_until_serving(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"no server on port {port}")


@contextlib.contextmanager
def gunicorn_servers(env: dict, *, count: int, threads: int):
    """Serve the project from `count` one-worker gunicorn processes; yield their ports."""
    servers = []
    try:
        for _ in range(count):
            port = _free_port()
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "authsite.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--threads",
                    str(threads),
                ],  # fmt: skip
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            servers.append((port, process))
        for port, process in servers:
            _wait_until_serving(port, process)
        yield [port for port, _ in servers]
    finally:
        for _, process in servers:
            process.terminate()
        for _, process in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(params=["database", "redis"])
def two_servers(request, tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "authsite.settings",
        "DJANGO_DEBUG": "0",
        # Production refuses to print reset codes unless asked to.
        "DJANGO_EMAIL_BACKEND": "console",
        "DJANGO_SECRET_KEY": "multiprocess-test-" + uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ACCOUNTS_LOGIN_MAX_FAILURES": "6",
        "ACCOUNTS_LOGIN_RATE": "1000/min",
        "ACCOUNTS_REGISTER_RATE": "4/hour",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    if request.param == "redis":
        redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_timeout=2).ping()
        except Exception as error:
            pytest.skip(f"Redis is not reachable at {redis_url}: {error}")
        env["REDIS_URL"] = redis_url
        # A prefix of its own, so parallel runs and other projects never share counters.
        env["DJANGO_CACHE_KEY_PREFIX"] = f"authsite-test-{uuid.uuid4().hex}"
    python = sys.executable
    # migrate alone creates the cache table (accounts/migrations/0003_create_cache_table.py).
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with gunicorn_servers(env, count=2, threads=4) as ports:
        yield ports


def test_limits_hold_across_two_server_processes(two_servers):
    a, b = two_servers
    # Register through both: the fifth sign-up from this address is over 4/hour.
    statuses = [
        _post(port, "/api/auth/register/", {"email": f"u{n}@example.com", "password": PASSWORD})[0]
        for n, port in enumerate([a, b, a, b, a])
    ]
    assert statuses == [201, 201, 201, 201, 429]
    status, headers, _ = _post(
        b, "/api/auth/register/", {"email": "x@example.com", "password": PASSWORD}
    )
    assert status == 429 and int(headers["Retry-After"]) > 0

    # Six failures for one email, spread over both servers and sent at once, lock it everywhere.
    def fail(port):
        return _post(port, "/api/auth/login/", {"email": "u0@example.com", "password": "wrong!"})[0]

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(fail, [a, b] * 3)) == [400] * 6
    for port in (a, b):
        status, _, body = _post(
            port, "/api/auth/login/", {"email": "u0@example.com", "password": PASSWORD}
        )
        assert status == 400
        assert body == {"non_field_errors": ["Unable to log in with provided credentials."]}
    # Another account is untouched.
    assert _post(a, "/api/auth/login/", {"email": "u1@example.com", "password": PASSWORD})[0] == 200
