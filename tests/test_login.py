import pytest
from django.contrib.auth.signals import user_logged_in, user_login_failed

from accounts.conf import app_settings
from accounts.models import Token, User
from accounts.ratelimit import lockout
from accounts.tokens import keys as tokens

LOGIN = "/api/auth/login/"
FAILURE = {"non_field_errors": ["Unable to log in with provided credentials."]}


def _login(api_client, email, password, **extra):
    return api_client.post(LOGIN, {"email": email, "password": password, **extra}, format="json")


def test_login_returns_a_fresh_token_once(api_client, user, password):
    response = _login(api_client, user.email, password, name="CLI on laptop")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "token_type", "expires_at", "user"}
    assert body["token_type"] == "Bearer"
    assert body["user"] == {"id": user.id, "email": user.email}
    assert tokens.is_well_formed(body["token"])
    token = Token.objects.get(digest=tokens.digest(body["token"]))
    assert token.user == user
    assert token.name == "CLI on laptop"
    assert body["expires_at"] is not None
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_two_logins_give_two_tokens(api_client, user, password):
    first = _login(api_client, user.email, password).json()["token"]
    second = _login(api_client, user.email, password).json()["token"]
    assert first != second
    assert Token.objects.filter(user=user).count() == 2


def test_email_is_case_insensitive_and_trimmed(api_client, user, password):
    assert _login(api_client, "  ALICE@Example.COM ", password).status_code == 200


def test_password_whitespace_is_not_trimmed(api_client, db):
    User.objects.create_user("spaces@example.com", "  padded passphrase  ")
    assert _login(api_client, "spaces@example.com", "padded passphrase").status_code == 400
    assert _login(api_client, "spaces@example.com", "  padded passphrase  ").status_code == 200


def test_login_sets_last_login_and_sends_signal(api_client, user, password):
    received = []

    def receiver(sender, request, user, **kwargs):
        received.append(user)

    user_logged_in.connect(receiver)
    try:
        assert _login(api_client, user.email, password).status_code == 200
    finally:
        user_logged_in.disconnect(receiver)
    user.refresh_from_db()
    assert user.last_login is not None
    assert received == [user]


def _make_failure_case(case, user, password):
    if case == "wrong_password":
        return user.email, password + "x"
    if case == "unknown_email":
        return "nobody@example.com", password
    if case == "inactive":
        user.is_active = False
        user.save()
        return user.email, password
    if case == "unusable_password":
        user.set_unusable_password()
        user.save()
        return user.email, password
    if case in ("locked", "locked_unknown_email"):
        # The right password for a locked email still fails, exactly like the rest.
        email = user.email if case == "locked" else "nobody@example.com"
        for _ in range(app_settings.LOGIN_MAX_FAILURES):
            lockout.record_failure(email)
        return email, password
    raise AssertionError(case)


CASES = [
    "wrong_password",
    "unknown_email",
    "inactive",
    "unusable_password",
    "locked",
    "locked_unknown_email",
]


@pytest.mark.parametrize("case", CASES)
def test_every_login_failure_is_identical_and_hashes_once(
    api_client, user, password, case, hasher_calls
):
    email, attempt = _make_failure_case(case, user, password)
    hasher_calls.clear()
    failures = []

    def on_failure(sender, credentials, request, **kwargs):
        failures.append(credentials)

    user_login_failed.connect(on_failure)
    try:
        response = _login(api_client, email, attempt)
    finally:
        user_login_failed.disconnect(on_failure)
    assert response.status_code == 400
    assert response.json() == FAILURE
    assert len(hasher_calls) == 1, hasher_calls
    assert len(failures) == 1
    assert "password" not in str(failures[0]) or failures[0]["password"] != attempt
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"password": "x"}, "email"), ({"email": "a@example.com"}, "password")],
)
def test_missing_fields_are_field_errors(api_client, db, payload, field):
    response = api_client.post(LOGIN, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {field: ["This field is required."]}


def test_malformed_json_is_a_400(api_client, db):
    response = api_client.post(LOGIN, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_stray_session_cookie_does_not_break_login_on_csrf(user, password):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = _login(client, user.email, password)
    assert response.status_code == 200


def test_old_pbkdf2_hash_is_upgraded_on_login(api_client, db, settings):
    from django.contrib.auth.hashers import make_password

    user = User.objects.create_user("legacy@example.com")
    user.password = make_password("legacy passphrase 123", hasher="pbkdf2_sha256")
    user.save()
    assert _login(api_client, "legacy@example.com", "legacy passphrase 123").status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
