"""The files in deploy/ are valid for the tools that read them.

nginx and systemd-analyze check them where installed; without them those tests are
skipped with a note (`apt-get install nginx-light` to run the nginx one).
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
