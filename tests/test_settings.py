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


def _check(env):
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "authsite.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_required_without_debug():
    result = _check({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "The DJANGO_SECRET_KEY environment variable is required." in result.stderr


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
