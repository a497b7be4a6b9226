import json
import logging
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.http import after_response
from accounts.models import Token
from accounts.tokens import keys as tokens

URL = "/api/auth/tokens/revoke/"


def _me(api_client, raw):
    return api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.django_db
def test_posted_token_is_refused_next_and_owner_emailed(api_client, user):
    token, raw = Token.objects.issue(user, name="ci deploy", kind=Token.Kind.PERSONAL)
    assert _me(api_client, raw).status_code == 200
    mail.outbox.clear()

    response = api_client.post(URL, {"token": raw}, format="json", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200
    assert set(response.json()) == {"detail"}
    assert _me(api_client, raw).status_code == 401
    token.refresh_from_db()
    assert token.revoked_reason == Token.RevokeReason.LEAKED
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [user.email]
    assert token.prefix in email.subject and token.prefix in email.body
    assert "ci deploy" in email.body and "203.0.113.9" in email.body
    assert raw not in email.body and raw[len(token.prefix) :] not in email.body


@pytest.mark.django_db
def test_unknown_malformed_and_revoked_tokens_answer_the_same(api_client, user):
    token, raw = Token.objects.issue(user)
    token.revoke(Token.RevokeReason.LOGOUT)
    mail.outbox.clear()
    unknown = tokens.generate()
    answers = [
        api_client.post(URL, {"token": value}, format="json")
        for value in (raw, unknown, "ast_not-a-token", "hello")
    ]
    assert {response.status_code for response in answers} == {200}
    assert len({response.content for response in answers}) == 1
    assert mail.outbox == []
    token.refresh_from_db()
    assert token.revoked_reason == Token.RevokeReason.LOGOUT


@pytest.mark.django_db
def test_malformed_tokens_cost_no_query(api_client):
    bad = tokens.generate()[:-1] + "0"
    if tokens.is_well_formed(bad):
        bad = bad[:-1] + "1"
    with CaptureQueriesContext(connection) as queries:
        response = api_client.post(URL, {"tokens": [bad, "nope", "ast_x"]}, format="json")
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "accounts_token" in q["sql"]]


@pytest.mark.django_db
def test_a_list_revokes_each_and_emails_each_owner(api_client, user, other_user):
    first, first_raw = Token.objects.issue(user, name="one")
    second, second_raw = Token.objects.issue(other_user, name="two")
    mail.outbox.clear()
    response = api_client.post(URL, {"tokens": [first_raw, second_raw, "x"]}, format="json")
    assert response.status_code == 200
    assert _me(api_client, first_raw).status_code == 401
    assert _me(api_client, second_raw).status_code == 401
    assert sorted(email.to[0] for email in mail.outbox) == [user.email, other_user.email]
    # Reported again: already revoked, so nobody is emailed twice.
    api_client.post(URL, {"tokens": [first_raw, second_raw]}, format="json")
    assert len(mail.outbox) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tokens": []},
        {"tokens": "ast_x"},
        {"tokens": [{"a": 1}]},
        {"token": None},
        {"tokens": [tokens.generate() for _ in range(101)]},
        {"token": "x" * 2000},
        [1, 2],
    ],
)
def test_bad_bodies_are_400(api_client, body):
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()


@pytest.mark.django_db
def test_garbage_is_a_clean_4xx(api_client):
    response = api_client.post(URL, b"\xff{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


@pytest.mark.django_db
def test_exactly_100_tokens_are_accepted(api_client, user):
    token, raw = Token.objects.issue(user)
    batch = [raw] + [tokens.generate() for _ in range(99)]
    assert api_client.post(URL, {"tokens": batch}, format="json").status_code == 200
    token.refresh_from_db()
    assert token.revoked_reason == Token.RevokeReason.LEAKED


@pytest.mark.django_db
def test_rate_limited_per_ip(api_client, settings):
    settings.ACCOUNTS_REVOKE_RATE = "2/min"
    for _ in range(2):
        assert api_client.post(URL, {"token": "x"}, format="json").status_code == 200
    response = api_client.post(URL, {"token": "x"}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    other = api_client.post(URL, {"token": "x"}, format="json", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


@pytest.mark.django_db
def test_no_email_when_security_emails_are_off(api_client, user, settings):
    settings.ACCOUNTS_SECURITY_EMAILS = False
    token, raw = Token.objects.issue(user)
    assert api_client.post(URL, {"token": raw}, format="json").status_code == 200
    assert _me(api_client, raw).status_code == 401
    assert mail.outbox == []


@pytest.mark.django_db
def test_rfc7009_form_body_with_type_hint(api_client, user):
    token, raw = Token.objects.issue(user)
    response = api_client.post(URL, {"token": raw, "token_type_hint": "access_token"})
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_reason == Token.RevokeReason.LEAKED


@pytest.mark.django_db
def test_blank_entries_are_ignored_and_item_errors_are_one_flat_list(api_client, user):
    token, raw = Token.objects.issue(user)
    # A blank string is no token of ours: ignored like any malformed one, the rest revoked.
    response = api_client.post(URL, {"tokens": ["", raw]}, format="json")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_reason == Token.RevokeReason.LEAKED
    # Item errors come as the documented field shape: a list of messages, not a dict by index.
    response = api_client.post(URL, {"tokens": ["x" * 2000, {}, "y" * 2000]}, format="json")
    assert response.status_code == 400
    messages = response.json()["tokens"]
    assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)
    assert "Ensure this field has no more than 1024 characters." in messages


def _request_sql(api_client, monkeypatch, raw) -> tuple[list[str], list]:
    """The SQL the request runs before its response, and the work it left for afterwards."""
    deferred: list = []
    monkeypatch.setattr(after_response, "defer", deferred.append)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.post(URL, {"token": raw}, format="json")
    assert response.status_code == 200
    # Shapes, not values: the digest and the time differ from one request to the next.
    shapes = [re.sub(r"'[^']*'|\b\w*\d\w*\b", "?", q["sql"]) for q in queries.captured_queries]
    return shapes, deferred


@pytest.mark.django_db
def test_known_unknown_and_revoked_tokens_cost_the_same_queries(
    api_client, user, monkeypatch, caplog
):
    live, live_raw = Token.objects.issue(user, name="ci deploy")
    dead, dead_raw = Token.objects.issue(user, name="old")
    dead.revoke(Token.RevokeReason.LOGOUT)
    mail.outbox.clear()
    caplog.set_level(logging.INFO, logger="accounts.security")

    known_sql, known_work = _request_sql(api_client, monkeypatch, live_raw)
    unknown_sql, unknown_work = _request_sql(api_client, monkeypatch, tokens.generate())
    revoked_sql, revoked_work = _request_sql(api_client, monkeypatch, dead_raw)

    assert known_sql == unknown_sql == revoked_sql
    assert [sql.split()[0] for sql in known_sql if "accounts_token" in sql] == ["UPDATE"]
    assert len(known_work) == len(unknown_work) == len(revoked_work) == 1
    # The token is dead when the answer leaves; the email and the log follow it.
    assert _me(api_client, live_raw).status_code == 401
    assert mail.outbox == []
    for work in (known_work, unknown_work, revoked_work):
        work[0]()
    assert [email.to for email in mail.outbox] == [[user.email]]
    assert live.prefix in mail.outbox[0].subject
    logged = [
        json.loads(r.getMessage()) for r in caplog.records if "leak_reported" in r.getMessage()
    ]
    assert [(e["found"], e["revoked"]) for e in logged] == [(1, 1), (0, 0), (1, 0)]
    assert any(
        '"token.revoked"' in r.getMessage() and live.prefix in r.getMessage()
        for r in caplog.records
    )
