"""The files in deploy/ are valid for the tools that read them.

nginx and systemd-analyze check them where installed; without them those tests are
skipped with a note (`apt-get install nginx-light` to run the nginx one).
"""

import contextlib
import http.client
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_serving import _free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = ["authsite.service", "authsite-worker.service"]


def _read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines as systemd's EnvironmentFile does (comments, quotes)."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        env[key] = value.strip('"')
    return env


def test_the_example_environment_passes_the_deployment_checks():
    env = _read_env_file(DEPLOY / "authsite.env.example")
    assert env["DJANGO_TRUSTED_PROXY_COUNT"] == "1"
    assert env["DJANGO_SECURE_PROXY_SSL_HEADER"] == "1"
    env |= {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_the_nginx_site_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed: deploy/nginx-authsite.conf not checked")
    # The site as shipped, with the certificate and log paths moved into tmp_path.
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=api.example.com",
         "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx-authsite.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/api.example.com/", f"{tmp_path}/")
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        f"    include {tmp_path}/site.conf;\n"
        "}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "[warn]" not in result.stderr


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: deploy/*.service not checked")
    # verify insists that ExecStart's program exists: stand-ins in a fake checkout.
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    for name in ("gunicorn", "python"):
        program = tmp_path / ".venv" / "bin" / name
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    for unit in UNITS:
        text = (DEPLOY / unit).read_text().replace("/srv/authsite", str(tmp_path))
        (tmp_path / unit).write_text(text)
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / unit) for unit in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_the_app_unit_restarts_gunicorn_with_the_repository_config():
    unit = (DEPLOY / "authsite.service").read_text()
    assert "ExecStart=/srv/authsite/.venv/bin/gunicorn -c gunicorn.conf.py authsite.wsgi" in unit
    assert "Restart=always" in unit
    assert "EnvironmentFile=/etc/authsite/authsite.env" in unit
    assert (ROOT / "gunicorn.conf.py").exists()


def test_the_example_environment_reads_the_same_in_sh_as_in_systemd():
    # deploy/authsite.cron sources the file with sh; systemd reads it as EnvironmentFile.
    expected = _read_env_file(DEPLOY / "authsite.env.example")
    script = f'set -a; . "{DEPLOY / "authsite.env.example"}"; exec env'
    result = subprocess.run(
        ["/bin/sh", "-c", script], env={}, capture_output=True, text=True, timeout=30, check=True
    )
    from_sh = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert {key: from_sh.get(key) for key in expected} == expected


def _nginx() -> str | None:
    found = shutil.which("nginx")
    if found is None and Path("/usr/sbin/nginx").exists():
        found = "/usr/sbin/nginx"
    return found


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listening on {port}") from None
            time.sleep(0.2)


def _https(port: int, method: str, path: str, body: dict | None = None, headers=None):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        connection.request(
            method,
            path,
            body=None if body is None else json.dumps(body),
            headers={
                "Host": "api.example.com",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def nginx_site(
    tmp_path: Path,
    extra_env: dict | None = None,
    gunicorn_args: tuple = (),
    app_port: int | None = None,
):
    """gunicorn as the README serves it behind deploy/nginx-authsite.conf: (HTTPS, HTTP) ports.

    gunicorn listens on `app_port` (a free one by default).
    """
    nginx = _nginx()
    if nginx is None:
        pytest.skip("nginx is not installed: the nginx site was not run")
    app_port, http_port, https_port = app_port or _free_port(), _free_port(), _free_port()
    env = (
        _read_env_file(DEPLOY / "authsite.env.example")
        | {
            "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "DJANGO_EMAIL_BACKEND": "console",
            "PORT": str(app_port),
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
            "DJANGO_LOG_LEVEL": "INFO",
        }
        | (extra_env or {})
    )
    del env["DJANGO_EMAIL_HOST"]
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    static = tmp_path / "static"
    static.mkdir()
    (static / "probe.txt").write_text("served by nginx\n")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=api.example.com",
         "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx-authsite.conf").read_text()
    for old, new in [
        ("listen [::]:80;", ""),
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/etc/letsencrypt/live/api.example.com/", f"{tmp_path}/"),
        ("/var/log/nginx/", f"{tmp_path}/"),
        ("/srv/authsite/staticfiles/", f"{static}/"),
    ]:
        assert old in site
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        # As root, workers would otherwise drop to "nobody", who cannot read tmp_path.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n    include /etc/nginx/mime.types;\n"
        f"    include {tmp_path}/site.conf;\n}}\n"
    )
    app_log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen(
        [str(Path(sys.prefix) / "bin" / "gunicorn"), "-c", "gunicorn.conf.py",
         *gunicorn_args, "authsite.wsgi"],
        cwd=ROOT, env=env, stdout=app_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    proxy = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(app_port, app)
        _wait_for_port(https_port, proxy)
        yield https_port, http_port
    finally:
        _stop(proxy)
        _stop(app)
        app_log.close()


def test_nginx_in_front_of_gunicorn_passes_scheme_and_client_address(tmp_path):
    """The site file and the example environment together: HTTPS seen, client not spoofable."""
    with nginx_site(tmp_path, {"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2"}) as (
        https_port,
        http_port,
    ):
        # HTTPS as nginx reports it: no redirect loop, the API answers.
        status, _, body = _https(https_port, "GET", "/api/?secret=query-secret")
        assert status == 200, body
        assert "login" in json.loads(body)
        # Plain HTTP is redirected by nginx before the app sees it.
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
        plain.request("POST", "/api/auth/login/", headers={"Host": "api.example.com"})
        redirect = plain.getresponse()
        assert redirect.status == 301
        assert redirect.getheader("Location") == "https://api.example.com/api/auth/login/"
        plain.close()
        # A client that writes its own X-Forwarded-For is still known by nginx's address.
        status, _, body = _https(
            https_port,
            "POST",
            "/api/auth/login/",
            {"email": "nobody@example.com", "password": "wrong password here"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert status == 400
        assert json.loads(body) == {
            "non_field_errors": ["Unable to log in with provided credentials."]
        }
        # Static files come from the directory named in the site file.
        status, _, body = _https(https_port, "GET", "/static/probe.txt")
        assert (status, body) == (200, b"served by nginx\n")
    app_output = (tmp_path / "app.log").read_text()
    [failure] = [line for line in app_output.splitlines() if '"login.failure"' in line]
    assert '"ip": "127.0.0.1"' in failure
    assert "203.0.113.9" not in app_output
    # Neither access log holds the query string.
    assert "query-secret" not in (tmp_path / "authsite.access.log").read_text()
    assert "query-secret" not in app_output
    assert "GET /api/ HTTP/1.1" in app_output
