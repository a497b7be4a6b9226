"""`make serve` and gunicorn.conf.py, run as docs/production.md says.

The server runs the local production-like command (debug off, no TLS) on a port the
kernel picked, with its database and static files in a temporary directory, and is
always stopped. Bounded: a couple of minutes at most on a busy machine.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.prefix) / "bin"
SECRET_QUERY = "q-secret-" + uuid.uuid4().hex
SECRET_TOKEN = "ast_" + "S" * 43 + "abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _production_like_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The variables docs/production.md gives for a local run behind no TLS proxy."""
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "DJANGO_SECRET_KEY": "serving-test-" + uuid.uuid4().hex * 2,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_EMAIL_BACKEND": "console",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        **extra,
    }


def _request(port: int, path: str, body: dict | None = None, headers: dict | None = None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Accept": "application/json",
            "Content-Type": "application/json",
            **(headers or {}),
        },
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not (BIN / "gunicorn").exists():
        pytest.skip(f"gunicorn is not installed in {sys.prefix}")
    tmp_path = tmp_path_factory.mktemp("serve")
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = _production_like_env(tmp_path, PORT=str(port), GUNICORN_ACCESS_LOG=str(access_log))
    # `make serve` itself, on this interpreter's environment; -o: never (re)install it.
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            f"VENV={sys.prefix}",
            "-o",
            f"{sys.prefix}/.runtime",
            "serve",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read().decode())
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("make serve did not listen within 180 s") from None
                time.sleep(0.3)
        yield port, access_log, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def test_make_serve_answers_the_api_over_plain_http(served):
    port, _, _ = served
    status, headers, body = _request(port, "/api/")
    # 200, not a redirect to https: the documented variables turn that off.
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert "login" in json.loads(body)


def test_make_serve_gives_a_json_login_error(served):
    port, _, _ = served
    status, _, body = _request(
        port, "/api/auth/login/", {"email": "nobody@example.com", "password": "wrong password here"}
    )
    assert status == 400
    assert json.loads(body) == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_make_serve_collected_the_static_files(served):
    port, _, _ = served
    status, headers, _ = _request(port, "/static/admin/css/base.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")


def test_the_access_log_has_no_query_string_and_no_authorization(served):
    port, access_log, process = served
    status, _, _ = _request(
        port,
        f"/api/auth/me/?token={SECRET_QUERY}",
        headers={"Authorization": f"Bearer {SECRET_TOKEN}"},
    )
    assert status == 401
    deadline = time.monotonic() + 10
    while "/api/auth/me/" not in access_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = access_log.read_text()
    [line] = [line for line in log.splitlines() if "/api/auth/me/" in line]
    assert '"GET /api/auth/me/ HTTP/1.1" 401' in line
    assert SECRET_QUERY not in log
    assert "SSSSSSSS" not in log
    assert "?" not in line


def test_a_configuration_error_is_one_sentence(tmp_path):
    if not (BIN / "gunicorn").exists():
        pytest.skip(f"gunicorn is not installed in {sys.prefix}")
    env = _production_like_env(tmp_path, PORT=str(_free_port()))
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "authsite.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    sentence = (
        "Configuration error: The DJANGO_SECRET_KEY environment variable is required when "
        "debug is off; for local development, set DJANGO_DEBUG=1 instead.\n"
    )
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # gunicorn's own start-up line, and the sentence: nothing else.
    assert len(result.stderr.splitlines()) <= 2


def _gunicorn_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--print-config", "authsite.wsgi"],
        cwd=ROOT,
        # --print-config loads the app too: debug on, so it needs no secret.
        env={"PATH": f"{BIN}:/usr/bin:/bin", "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gunicorn_settings_come_from_the_environment():
    if not (BIN / "gunicorn").exists():
        pytest.skip(f"gunicorn is not installed in {sys.prefix}")

    def settings(env):
        result = _gunicorn_config(env)
        assert result.returncode == 0, result.stderr
        return {
            name.strip(): value.strip()
            for name, _, value in (line.partition("=") for line in result.stdout.splitlines())
        }

    defaults = settings({})
    assert defaults["bind"] == "['127.0.0.1:8000']"
    assert defaults["workers"] == str(os.cpu_count())
    assert (defaults["worker_class"], defaults["threads"]) == (
        "authsite.workers.ThreadWorker",
        "4",
    )
    assert (defaults["timeout"], defaults["graceful_timeout"]) == ("30", "30")
    chosen = settings(
        {"HOST": "0.0.0.0", "PORT": "9000", "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "8"}
    )
    assert chosen["bind"] == "['0.0.0.0:9000']"
    assert (chosen["workers"], chosen["threads"]) == ("3", "8")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "http"}, "PORT must be a whole number, not 'http'."),
        ({"GUNICORN_THREADS": "0"}, "GUNICORN_THREADS must be at least 1, not 0."),
    ],
)
def test_a_bad_gunicorn_variable_is_one_sentence(env, message):
    if not (BIN / "gunicorn").exists():
        pytest.skip(f"gunicorn is not installed in {sys.prefix}")
    result = _gunicorn_config(env)
    assert result.returncode == 1
    assert result.stderr == f"Configuration error: {message}\n"


def test_a_client_dripping_its_body_does_not_hold_up_others(served):
    # One worker, two threads: the slow client holds one thread, not the process.
    # With one thread (a sync worker) this request times out.
    port, _, _ = served
    with socket.create_connection(("127.0.0.1", port), timeout=30) as slow:
        slow.sendall(
            b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"email": '
        )
        started = time.monotonic()
        status, _, _ = _request(port, "/api/")
        assert status == 200
        assert time.monotonic() - started < 10
