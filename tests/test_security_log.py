import json
import logging

import pytest

from accounts.security_log import email_hash

PASSWORD = "plum-tree orbit harbour lantern"
WRONG = "a wrong guess at the password"


def _events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "accounts.security"]


@pytest.fixture
def session_logs(api_client, db, caplog, settings):
    return lambda: _run_session(api_client, caplog, settings)


def _run_session(api_client, caplog, settings):
    """Register, fail, lock, log in, use and revoke tokens; return every log line written."""
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    caplog.set_level(logging.DEBUG)
    email = "carol@example.com"
    api_client.post("/api/auth/register/", {"email": email, "password": PASSWORD}, format="json")
    api_client.post("/api/auth/login/", {"email": email, "password": WRONG}, format="json")
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 10
    login = api_client.post(
        "/api/auth/login/", {"email": email, "password": PASSWORD, "name": "cli"}, format="json"
    )
    token = login.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    api_client.get("/api/auth/me/")
    api_client.post("/api/auth/logout/")
    api_client.get("/api/auth/me/")  # the revoked token, refused
    api_client.credentials()
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 2
    for _ in range(3):
        api_client.post(
            "/api/auth/login/",
            {"email": "Mallory@Example.com", "password": WRONG},
            format="json",
            REMOTE_ADDR="198.51.100.9",
        )
    return email, token, caplog


def test_a_session_logs_each_security_event(session_logs):
    email, token, caplog = session_logs()
    events = _events(caplog)
    names = [event["event"] for event in events]
    assert names == [
        "login.failure",
        "token.issued",
        "login.success",
        "token.revoked",
        "logout",
        "login.failure",
        "login.lockout",
        "login.failure",
        "login.failure",
    ]
    failure, issued, success, revoked = events[:4]
    assert failure == {
        "event": "login.failure",
        "ip": "127.0.0.1",
        "email_hash": email_hash(email),
        "locked": False,
    }
    user_id = success["user_id"]
    assert issued["token_prefix"] == token[:12] and issued["user_id"] == user_id
    assert issued["ip"] == "127.0.0.1"
    assert revoked == {
        "event": "token.revoked",
        "ip": "127.0.0.1",
        "user_id": user_id,
        "token_prefix": token[:12],
        "reason": "logout",
    }
    assert events[4] == {"event": "logout", "ip": "127.0.0.1", "user_id": user_id}
    lockout = events[6]
    assert lockout["email_hash"] == email_hash("mallory@example.com")
    assert lockout["ip"] == "198.51.100.9" and lockout["failures"] == 2
    # `locked` tells whether the email is locked after the attempt.
    assert [event["locked"] for event in events if event["event"] == "login.failure"] == [
        False,
        False,
        True,
        True,
    ]


def test_no_log_line_holds_a_token_a_password_or_an_email(session_logs):
    email, token, caplog = session_logs()
    assert caplog.records
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        for secret in (token, token[12:], PASSWORD, WRONG, email, "mallory"):
            assert secret not in text, (secret, record.name, record.getMessage())


def test_admin_login_is_logged_with_the_same_events(client, db, caplog):
    from accounts.models import User

    caplog.set_level(logging.INFO, logger="accounts.security")
    User.objects.create_superuser("root@example.com", "an admin passphrase 1")
    client.post("/admin/login/", {"username": "root@example.com", "password": "nope nope nope!"})
    client.post(
        "/admin/login/", {"username": "root@example.com", "password": "an admin passphrase 1"}
    )
    assert [event["event"] for event in _events(caplog)] == ["login.failure", "login.success"]


def test_log_lines_cannot_be_forged_through_input(api_client, db, caplog):
    caplog.set_level(logging.INFO, logger="accounts.security")
    forged = 'x@example.com\n{"event": "login.success", "user_id": 1}'
    api_client.post("/api/auth/login/", {"email": forged, "password": WRONG}, format="json")
    (record,) = [r for r in caplog.records if r.name == "accounts.security"]
    line = record.getMessage()
    assert "\n" not in line and "login.success" not in line
    assert json.loads(line)["event"] == "login.failure"
