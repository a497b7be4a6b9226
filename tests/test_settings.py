import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from authsite.env import env_bool, env_int, env_list


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "On"])
def test_env_bool_true(monkeypatch, value):
    monkeypatch.setenv("X_FLAG", value)
    assert env_bool("X_FLAG", default=False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "OFF"])
def test_env_bool_false(monkeypatch, value):
    monkeypatch.setenv("X_FLAG", value)
    assert env_bool("X_FLAG", default=True) is False


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be one of"):
        env_bool("X_FLAG", default=True)


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("X_NUM", "12")
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_int("X_NUM", 3) == 12
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be a whole number"):
        env_int("X_NUM", 3)


def _manage(env, *args):
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "authsite.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _check(env):
    return _manage(env, "check")


def test_secret_key_required_without_debug():
    result = _check({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    # The message names the fix for a development checkout.
    assert (
        "The DJANGO_SECRET_KEY environment variable is required when debug is off; "
        "for local development, set DJANGO_DEBUG=1 instead." in result.stderr
    )


_PRINT_DEBUG = (
    "shell",
    "--no-imports",
    "-c",
    "from django.conf import settings; print(settings.DEBUG)",
)


def test_manage_py_defaults_to_development():
    # A fresh clone: no variable set, and every command works with debug on.
    result = _manage({}, *_PRINT_DEBUG)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_manage_py_keeps_production_settings_when_a_secret_key_is_set():
    # A production host has DJANGO_SECRET_KEY: its collectstatic and migrate stay debug-off.
    result = _manage(
        {"DJANGO_SECRET_KEY": "k" * 60, "DJANGO_EMAIL_BACKEND": "console"}, *_PRINT_DEBUG
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    result = _manage({"DJANGO_DEBUG": "0"}, *_PRINT_DEBUG)
    assert result.returncode != 0


def test_wsgi_never_defaults_to_debug():
    # gunicorn loads authsite.wsgi: without a secret key it refuses to start.
    result = subprocess.run(
        [sys.executable, "-c", "import authsite.wsgi"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "set DJANGO_DEBUG=1" in result.stderr


def test_bad_boolean_fails_at_start_up():
    result = _check({"DJANGO_DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of 1/0, true/false, yes/no, on/off" in result.stderr


def test_production_settings_are_https_only():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "authsite.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 60,
        "DJANGO_EMAIL_BACKEND": "console",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "31536000", "True", "True", "False"]
    env.update(
        DJANGO_SECURE_SSL_REDIRECT="off", DJANGO_SECURE_HSTS_SECONDS="0", DJANGO_SECURE_COOKIES="no"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["False", "0", "False", "False", "False"]


def _settings_in_subprocess(env: dict, expression: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "authsite.settings"}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {expression}"],
        env={**base, "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


LIFECYCLE = (
    "from accounts.conf import app_settings as s; "
    "print(s.TOKEN_IDLE_TIMEOUT, s.TOKEN_MAX_TTL, s.MAX_TOKENS_PER_USER)"
)


def test_token_lifecycle_settings_from_the_environment():
    result = _settings_in_subprocess({}, LIFECYCLE)
    assert result.stdout.split() == ["7", "days,", "0:00:00", "365", "days,", "0:00:00", "100"]
    result = _settings_in_subprocess(
        {
            "ACCOUNTS_TOKEN_IDLE_TIMEOUT": "none",
            "ACCOUNTS_TOKEN_MAX_TTL": "86400",
            "ACCOUNTS_MAX_TOKENS_PER_USER": "None",
        },
        LIFECYCLE,
    )
    assert result.stdout.split() == ["None", "1", "day,", "0:00:00", "None"]
    result = _settings_in_subprocess({"ACCOUNTS_TOKEN_IDLE_TIMEOUT": "0"}, LIFECYCLE)
    assert result.returncode != 0
    assert "ACCOUNTS_TOKEN_IDLE_TIMEOUT must be at least 1, not 0." in result.stderr
    result = _settings_in_subprocess({"ACCOUNTS_MAX_TOKENS_PER_USER": "lots"}, LIFECYCLE)
    assert "ACCOUNTS_MAX_TOKENS_PER_USER must be a whole number, not 'lots'." in result.stderr


EMAIL = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, "
    "s.DEFAULT_FROM_EMAIL, s.PASSWORD_RESET_TIMEOUT)"
)


def test_email_is_console_by_default_and_smtp_from_the_environment():
    result = _settings_in_subprocess({}, EMAIL)
    assert result.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"
    assert result.stdout.split()[-1] == "3600"
    result = _settings_in_subprocess(
        {
            "DJANGO_EMAIL_HOST": "smtp.example.com",
            "DJANGO_EMAIL_PORT": "2525",
            "DJANGO_EMAIL_HOST_USER": "mailer",
            "DJANGO_EMAIL_HOST_PASSWORD": "s3cret",
            "DJANGO_EMAIL_USE_TLS": "yes",
            "DJANGO_DEFAULT_FROM_EMAIL": "accounts@example.com",
            "DJANGO_PASSWORD_RESET_TIMEOUT": "900",
        },
        EMAIL,
    )
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "2525",
        "mailer",
        "True",
        "accounts@example.com",
        "900",
    ]
    result = _settings_in_subprocess(
        {"DJANGO_EMAIL_HOST": "smtp.example.com", "DJANGO_EMAIL_USE_SSL": "on"}, EMAIL
    )
    assert result.returncode != 0
    assert "DJANGO_EMAIL_USE_TLS and DJANGO_EMAIL_USE_SSL cannot both be on" in result.stderr


def _production(extra: dict) -> dict:
    return {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60, **extra}


EMAIL_HOST_NEEDED = (
    "Configuration error: With debug off, set DJANGO_EMAIL_HOST to an SMTP server (or "
    "DJANGO_EMAIL_BACKEND=console for a local run, which prints reset codes to the log)."
)


def test_production_without_a_mail_server_refuses_to_start():
    result = _check(_production({}))
    assert result.returncode != 0
    assert result.stderr.strip() == EMAIL_HOST_NEEDED


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"DJANGO_EMAIL_BACKEND": "smtp"}, "DJANGO_EMAIL_BACKEND=smtp needs DJANGO_EMAIL_HOST."),
        (
            {"DJANGO_EMAIL_BACKEND": "file", "DJANGO_EMAIL_HOST": "mail.example.com"},
            "DJANGO_EMAIL_BACKEND must be smtp or console, not 'file'.",
        ),
        (
            {"DJANGO_EMAIL_BACKEND": "console", "DJANGO_TASKS_BACKEND": "immediate"},
            "DJANGO_TASKS_BACKEND=immediate is for development only: with debug off, "
            "a worker (manage.py db_worker) sends email.",
        ),
        (
            {"DJANGO_EMAIL_BACKEND": "console", "DJANGO_PUBLIC_URL": "auth.example.com"},
            "DJANGO_PUBLIC_URL must be an origin such as https://auth.example.com, "
            "not 'auth.example.com'.",
        ),
    ],
)
def test_bad_email_settings_refuse_to_start(extra, error):
    result = _check(_production(extra))
    assert result.returncode != 0
    assert result.stderr.strip() == f"Configuration error: {error}"


@pytest.mark.parametrize(
    ("extra", "backend"),
    [
        ({"DJANGO_EMAIL_BACKEND": "console"}, "console"),
        ({"DJANGO_EMAIL_BACKEND": "CONSOLE", "DJANGO_EMAIL_HOST": "mail.example.com"}, "console"),
        ({"DJANGO_EMAIL_HOST": "mail.example.com"}, "smtp"),
        ({"DJANGO_DEBUG": "1"}, "console"),
    ],
)
def test_the_email_backend_is_chosen_explicitly(extra, backend):
    result = _settings_in_subprocess(
        _production(extra), "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    )
    assert result.stdout.strip() == f"django.core.mail.backends.{backend}.EmailBackend"


def test_gunicorn_refuses_to_start_with_one_sentence(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "authsite.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "authsite.wsgi", "--bind", "127.0.0.1:0"],
        env={**env, **_production({})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert EMAIL_HOST_NEEDED in result.stderr
    assert "Traceback" not in result.stderr
