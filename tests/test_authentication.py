from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Token
from accounts.tokens import keys as tokens

ME = "/api/auth/me/"
INVALID = 'Bearer realm="api", error="invalid_token"'
MALFORMED = 'Bearer realm="api", error="invalid_request"'


def _get(api_client, header):
    return api_client.get(ME, HTTP_AUTHORIZATION=header)


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer", "TOKEN", "bEaReR"])
def test_both_keywords_in_any_case_authenticate(api_client, issued_token, user, keyword):
    response = _get(api_client, f"{keyword} {issued_token[1]}")
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_authenticated_request_takes_exactly_one_query(
    api_client, issued_token, django_assert_num_queries
):
    token, raw = issued_token
    Token.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    with django_assert_num_queries(1):
        response = _get(api_client, f"Bearer {raw}")
    assert response.status_code == 200


def test_forged_token_is_rejected_without_a_query(api_client, db, django_assert_num_queries):
    forged = tokens.PREFIX + "A" * tokens.BODY_LENGTH + "AAAAAA"
    with django_assert_num_queries(0):
        response = _get(api_client, f"Bearer {forged}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == INVALID


def test_unknown_well_formed_token_is_rejected(api_client, db):
    response = _get(api_client, f"Bearer {tokens.generate()}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == INVALID


@pytest.mark.parametrize(
    "credential",
    ["abc", "ast_short", tokens.generate()[:-1] + "0", "x" * 53, "ast_" + "a" * 100],
)
def test_wrong_length_prefix_or_checksum_is_invalid_token(api_client, db, credential):
    response = _get(api_client, f"Bearer {credential}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == INVALID


def test_no_header_is_401_with_bearer_challenge(api_client, db):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_other_schemes_are_left_to_other_classes(api_client, db):
    response = _get(api_client, "Basic YWxpY2U6c2VjcmV0")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer", "Invalid token header. No credentials provided."),
        ("Token   ", "Invalid token header. No credentials provided."),
        ("Bearer one two", "Invalid token header. Token string should not contain spaces."),
        (
            "Bearer ast_ä",
            "Invalid token header. Token string should not contain invalid characters.",
        ),
        (
            "Bearer ast_abc,def",
            "Invalid token header. Token string should not contain invalid characters.",
        ),
        ("Bearer " + "a" * 1100, "Invalid token header. Header is too long."),
    ],
)
def test_malformed_header_is_a_clear_400(api_client, db, header, message):
    response = _get(api_client, header)
    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert response["WWW-Authenticate"] == MALFORMED


@pytest.mark.parametrize("state", ["expired", "revoked", "inactive"])
def test_dead_tokens_get_the_same_401(api_client, issued_token, state):
    token, raw = issued_token
    if state == "expired":
        Token.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        token.revoke(Token.RevokeReason.LOGOUT)
    else:
        token.user.is_active = False
        token.user.save()
    response = _get(api_client, f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == INVALID


def test_token_expires_exactly_at_expires_at(api_client, issued_token, settings):
    settings.ACCOUNTS_TOKEN_IDLE_TIMEOUT = None
    token, raw = issued_token
    with time_machine.travel(token.expires_at - timedelta(seconds=1), tick=False):
        assert _get(api_client, f"Bearer {raw}").status_code == 200
    with time_machine.travel(token.expires_at, tick=False):
        assert _get(api_client, f"Bearer {raw}").status_code == 401


def test_tokens_in_query_string_or_cookie_are_ignored(api_client, issued_token):
    raw = issued_token[1]
    assert api_client.get(f"{ME}?token={raw}&access_token={raw}").status_code == 401
    api_client.cookies["token"] = raw
    api_client.cookies["access_token"] = raw
    assert api_client.get(ME).status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(
    api_client, issued_token, django_assert_num_queries
):
    token, raw = issued_token
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_assert_num_queries(2):  # lookup + the first conditional UPDATE
            assert _get(api_client, f"Bearer {raw}").status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        with django_assert_num_queries(1):
            assert _get(api_client, f"Bearer {raw}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start
    later = start + timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        assert _get(api_client, f"Bearer {raw}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == later


def test_last_used_interval_setting_is_read_when_used(api_client, issued_token, settings):
    settings.ACCOUNTS_TOKEN_LAST_USED_INTERVAL = timedelta(seconds=0)
    token, raw = issued_token
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _get(api_client, f"Bearer {raw}")
    with time_machine.travel(start + timedelta(seconds=1), tick=False):
        _get(api_client, f"Bearer {raw}")
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=1)


def test_bad_token_on_login_view_is_ignored(api_client, user, password):
    # The login view has no authentication classes, so a stale header cannot block a login.
    response = api_client.post(
        "/api/auth/login/",
        {"email": user.email, "password": password},
        format="json",
        HTTP_AUTHORIZATION="Bearer junk",
    )
    assert response.status_code == 200
