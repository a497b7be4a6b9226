import json
import logging
import re
import time

import pytest
import time_machine

from accounts.mfa.models import Challenge, RecoveryCode
from accounts.models import Token
from accounts.ratelimit import lockout
from accounts.tokens import keys as tokens

LOGIN = "/api/auth/login/"
STEP = "/api/auth/login/mfa/"
EMAIL = "/api/auth/login/mfa/email/"
FAILURE = {"non_field_errors": ["Unable to log in with provided credentials."]}
INVALID_CODE = {"code": ["Invalid code."]}


def _password_step(client, user, password, **extra):
    body = {"email": user.email, "password": password, **extra}
    return client.post(LOGIN, body, format="json")


def _challenge(client, user, password, **extra) -> str:
    return _password_step(client, user, password, **extra).json()["mfa_token"]


def _step(client, mfa_token, code):
    return client.post(STEP, {"mfa_token": mfa_token, "code": code}, format="json")


def _events(caplog, name):
    return [
        json.loads(r.getMessage()) for r in caplog.records if f'"event": "{name}"' in r.getMessage()
    ]


def test_password_step_answers_a_challenge_and_no_token(api_client, mfa, password, caplog):
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = _password_step(api_client, mfa.user, password)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"mfa_required", "mfa_token", "methods", "expires_at"}
    assert _events(caplog, "mfa.challenge")[0]["user_id"] == mfa.user.pk
    assert not _events(caplog, "login.success")
    assert body["mfa_token"] not in caplog.text
    assert body["mfa_required"] is True
    assert body["methods"] == ["totp", "recovery_code", "email"]
    assert re.fullmatch(r"[A-Za-z0-9\-._~+/]+=*", body["mfa_token"])
    assert response["Cache-Control"] == "no-store"
    assert not Token.objects.exists()
    # Stored only as a digest.
    challenge = Challenge.objects.get()
    assert body["mfa_token"] not in challenge.digest


def test_wrong_password_is_todays_400(api_client, mfa):
    response = _password_step(api_client, mfa.user, "not the password at all")
    assert response.status_code == 400
    assert response.json() == FAILURE
    assert not Challenge.objects.exists()


def test_a_totp_code_completes_the_login_with_the_token_name(api_client, mfa, password, caplog):
    mfa_token = _challenge(api_client, mfa.user, password, name="CLI on laptop")
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = _step(api_client, mfa_token, mfa.code())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "token_type", "expires_at", "user"}
    assert body["user"] == {"id": mfa.user.pk, "email": mfa.user.email}
    assert response["Cache-Control"] == "no-store"
    token = Token.objects.get(digest=tokens.digest(body["token"]))
    assert token.name == "CLI on laptop" and token.user == mfa.user
    assert _events(caplog, "login.success")


def test_the_challenge_is_single_use(api_client, mfa, password):
    mfa_token = _challenge(api_client, mfa.user, password)
    assert _step(api_client, mfa_token, mfa.code()).status_code == 200
    again = _step(api_client, mfa_token, mfa.code(1))
    assert again.status_code == 400 and set(again.json()) == {"mfa_token"}


def test_a_used_totp_step_is_refused_again(api_client, mfa, password):
    with time_machine.travel(time.time(), tick=False):
        code = mfa.code()
        assert (
            _step(api_client, _challenge(api_client, mfa.user, password), code).status_code == 200
        )
        replay = _step(api_client, _challenge(api_client, mfa.user, password), code)
        assert replay.json() == INVALID_CODE
        # An earlier step than the last used one is refused too.
        earlier = _step(api_client, _challenge(api_client, mfa.user, password), mfa.code(-1))
        assert earlier.json() == INVALID_CODE
        # The next step is accepted (one step of drift either side).
        later = _step(api_client, _challenge(api_client, mfa.user, password), mfa.code(1))
        assert later.status_code == 200


def test_codes_two_steps_away_are_refused(api_client, mfa, password):
    mfa_token = _challenge(api_client, mfa.user, password)
    assert _step(api_client, mfa_token, mfa.code(-2)).json() == INVALID_CODE
    assert _step(api_client, mfa_token, mfa.code(2)).json() == INVALID_CODE


def test_the_challenge_expires(api_client, mfa, password, settings):
    settings.ACCOUNTS_MFA_CHALLENGE_TTL = 120
    with time_machine.travel(time.time(), tick=False) as traveller:
        mfa_token = _challenge(api_client, mfa.user, password)
        traveller.shift(121)
        response = _step(api_client, mfa_token, mfa.code())
    assert response.status_code == 400 and set(response.json()) == {"mfa_token"}


def test_five_wrong_codes_kill_the_challenge(api_client, mfa, password, caplog):
    mfa_token = _challenge(api_client, mfa.user, password)
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        for _ in range(5):
            assert _step(api_client, mfa_token, "000000").json() == INVALID_CODE
    assert len(_events(caplog, "mfa.failure")) == 5
    dead = _step(api_client, mfa_token, mfa.code())
    assert dead.status_code == 400 and set(dead.json()) == {"mfa_token"}
    assert not Token.objects.exists()


def test_a_dead_challenge_does_not_spend_a_recovery_code(api_client, mfa, password):
    mfa_token = _challenge(api_client, mfa.user, password)
    assert _step(api_client, mfa_token, mfa.code()).status_code == 200
    assert set(_step(api_client, mfa_token, mfa.recovery_codes[0]).json()) == {"mfa_token"}
    assert RecoveryCode.objects.unused().count() == 10


def test_unknown_challenges_are_refused(api_client, mfa):
    for value in ("mfa_" + "a" * 43, "x", "ast_nope"):
        response = _step(api_client, value, "123456")
        assert response.status_code == 400 and set(response.json()) == {"mfa_token"}


def test_the_mfa_token_as_a_bearer_token_is_a_401(api_client, mfa, password):
    mfa_token = _challenge(api_client, mfa.user, password)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {mfa_token}")
    response = api_client.get("/api/auth/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_recovery_code_logs_in_once_in_any_form(api_client, mfa, password, mailoutbox, caplog):
    code = mfa.recovery_codes[0]
    typed = code.replace("-", "").upper()
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        response = _step(api_client, _challenge(api_client, mfa.user, password), typed)
    assert response.status_code == 200
    assert _events(caplog, "mfa.recovery_code_used")[0]["remaining"] == 9
    assert [m.subject for m in mailoutbox] == ["A recovery code was used"]
    assert code not in mailoutbox[0].body
    reuse = _step(api_client, _challenge(api_client, mfa.user, password), code)
    assert reuse.json() == INVALID_CODE


def test_methods_drop_recovery_code_when_none_remain(api_client, mfa, password):
    RecoveryCode.objects.update(used_at="2026-01-01T00:00:00Z")
    body = _password_step(api_client, mfa.user, password).json()
    assert body["methods"] == ["totp", "email"]


def test_wrong_codes_lock_the_account(api_client, mfa, password, settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 4
    # A right password between rounds of wrong codes does not clear the count.
    for _ in range(2):
        mfa_token = _challenge(api_client, mfa.user, password)
        for _ in range(2):
            assert _step(api_client, mfa_token, "000000").json() == INVALID_CODE
    assert lockout.is_locked(mfa.user.email)
    # Now the password step fails as it does for any locked account...
    assert _password_step(api_client, mfa.user, password).json() == FAILURE


def test_a_locked_account_answers_the_second_step_like_a_wrong_code(api_client, mfa, password):
    mfa_token = _challenge(api_client, mfa.user, password)
    for _ in range(10):
        lockout.record_failure(mfa.user.email)
    assert _step(api_client, mfa_token, mfa.code()).json() == INVALID_CODE
    # And spends nothing: the recovery code still works once the lock is gone.
    assert _step(api_client, mfa_token, mfa.recovery_codes[0]).json() == INVALID_CODE
    assert RecoveryCode.objects.unused().count() == 10


def test_a_passed_factor_clears_the_failures(api_client, mfa, password, settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    with time_machine.travel(time.time(), tick=False) as traveller:
        mfa_token = _challenge(api_client, mfa.user, password)
        _step(api_client, mfa_token, "000000")
        _step(api_client, mfa_token, "000000")
        assert _step(api_client, mfa_token, mfa.code()).status_code == 200
        # lockout keys a window by its opening second: a new window must open in another.
        traveller.shift(2)
        mfa_token = _challenge(api_client, mfa.user, password)
        _step(api_client, mfa_token, "000000")
        assert not lockout.is_locked(mfa.user.email)


def test_the_second_step_counts_against_the_login_rate(api_client, mfa, password, settings):
    settings.ACCOUNTS_LOGIN_RATE = "3/min"
    # Frozen mid-minute, so all requests fall in one fixed window.
    with time_machine.travel(time.time() // 60 * 60 + 30, tick=False):
        mfa_token = _challenge(api_client, mfa.user, password)
        statuses = [_step(api_client, mfa_token, "000000").status_code for _ in range(3)]
        response = api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json")
    assert statuses == [400, 400, 429]
    assert response.status_code == 429 and "Retry-After" in response


def test_an_emailed_code_logs_in_once(api_client, mfa, password, mailoutbox):
    mfa_token = _challenge(api_client, mfa.user, password)
    response = api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json")
    assert response.status_code == 202
    (code,) = re.findall(r"\b\d{6}\b", mailoutbox[0].body)
    challenge = Challenge.objects.get()
    assert code not in challenge.email_code_digest
    assert _step(api_client, mfa_token, code).status_code == 200
    # Bound to its challenge: useless for the next login.
    assert _step(api_client, _challenge(api_client, mfa.user, password), code).json() == (
        INVALID_CODE
    )


def test_a_new_email_replaces_the_previous_code_and_the_fourth_is_429(
    api_client, mfa, password, mailoutbox
):
    mfa_token = _challenge(api_client, mfa.user, password)
    for _ in range(3):
        assert api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json").status_code == 202
    fourth = api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json")
    assert fourth.status_code == 429
    assert int(fourth["Retry-After"]) > 0
    assert len(mailoutbox) == 3
    first, last = (re.findall(r"\b\d{6}\b", m.body)[0] for m in (mailoutbox[0], mailoutbox[2]))
    if first != last:
        assert _step(api_client, mfa_token, first).json() == INVALID_CODE
    assert _step(api_client, mfa_token, last).status_code == 200


def test_an_emailed_code_expires_after_ten_minutes(api_client, mfa, password, mailoutbox, settings):
    settings.ACCOUNTS_MFA_CHALLENGE_TTL = 3600
    with time_machine.travel(time.time(), tick=False) as traveller:
        mfa_token = _challenge(api_client, mfa.user, password)
        api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json")
        (code,) = re.findall(r"\b\d{6}\b", mailoutbox[0].body)
        traveller.shift(601)
        assert _step(api_client, mfa_token, code).json() == INVALID_CODE


def test_email_for_an_unknown_challenge_is_400(api_client, db):
    response = api_client.post(EMAIL, {"mfa_token": "mfa_unknown"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"mfa_token"}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"mfa_token": None, "code": None},
        {"mfa_token": ["x"], "code": {"a": 1}},
        {"mfa_token": "x" * 10_000, "code": "1"},
        {"mfa_token": "x", "code": "1" * 10_000},
        [1, 2],
        "just text",
        None,
    ],
)
@pytest.mark.parametrize("url", [STEP, EMAIL])
def test_malformed_bodies_are_json_400(api_client, db, body, url):
    response = api_client.post(url, body, format="json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_codes_in_other_scripts_or_with_odd_characters_are_wrong_codes(api_client, mfa, password):
    mfa_token = _challenge(api_client, mfa.user, password)
    fullwidth = "".join(chr(ord(digit) + 0xFEE0) for digit in mfa.code())
    for code in (fullwidth, "\u0661\u0662\u0663\u0664\u0665\u0666", "é" * 12):
        assert _step(api_client, mfa_token, code).json() == INVALID_CODE
    # A lone surrogate, escaped in the JSON as a client may send it.
    raw = json.dumps({"mfa_token": mfa_token, "code": "\ud800" * 6})
    response = api_client.post(STEP, raw, content_type="application/json")
    assert response.status_code == 400 and isinstance(response.json(), dict)


def test_invalid_json_is_a_json_400(api_client, db):
    response = api_client.post(STEP, "{not json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()


def test_accounts_without_mfa_log_in_as_before(api_client, user, password):
    body = _password_step(api_client, user, password).json()
    assert "token" in body and "mfa_required" not in body


def test_at_the_token_cap_the_challenge_survives_for_a_retry(api_client, mfa, password, settings):
    settings.ACCOUNTS_MAX_TOKENS_PER_USER = 1
    Token.objects.issue(mfa.user, name="existing")
    mfa_token = _challenge(api_client, mfa.user, password)
    response = _step(api_client, mfa_token, mfa.recovery_codes[0])
    assert response.status_code == 403 and "detail" in response.json()
    Token.objects.filter(user=mfa.user).revoke(Token.RevokeReason.LOGOUT_ALL)
    assert _step(api_client, mfa_token, mfa.recovery_codes[1]).status_code == 200


def test_emailed_codes_are_limited_per_account_over_all_pending_logins(
    api_client, mfa, password, mailoutbox
):
    # Three pending logins, one code each, then a fourth login: over the account's 3/15m.
    for _ in range(3):
        mfa_token = _challenge(api_client, mfa.user, password)
        assert api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json").status_code == 202
    mfa_token = _challenge(api_client, mfa.user, password)
    response = api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert set(response.json()) == {"detail"}
    assert len(mailoutbox) == 3
    # The authenticator still works for that pending login.
    assert _step(api_client, mfa_token, mfa.code()).status_code == 200


def test_the_account_email_rate_is_a_setting_and_its_window_ends(
    api_client, mfa, password, mailoutbox, settings
):
    settings.ACCOUNTS_MFA_EMAIL_RATE = "1/2m"
    with time_machine.travel(time.time(), tick=False) as traveller:
        mfa_token = _challenge(api_client, mfa.user, password)
        assert api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json").status_code == 202
        over = api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json")
        assert over.status_code == 429 and int(over["Retry-After"]) == 120
        traveller.shift(121)
        assert api_client.post(EMAIL, {"mfa_token": mfa_token}, format="json").status_code == 202
    assert len(mailoutbox) == 2


def test_at_most_five_pending_logins_the_oldest_ends_first(api_client, mfa, password):
    tokens_ = [_challenge(api_client, mfa.user, password) for _ in range(6)]
    assert Challenge.objects.filter(user=mfa.user).count() == 5
    oldest = _step(api_client, tokens_[0], mfa.code())
    assert oldest.status_code == 400 and set(oldest.json()) == {"mfa_token"}
    assert _step(api_client, tokens_[1], mfa.code()).status_code == 200


@pytest.fixture
def recovery_hashes(monkeypatch) -> list[str]:
    """Record every hash ("encode") and check ("verify") of the recovery-code hasher."""
    from accounts.passwords.hashers import RecoveryCodeHasher

    calls: list[str] = []
    for method in ("encode", "verify"):
        original = getattr(RecoveryCodeHasher, method)

        def counted(self, *args, _original=original, _method=method, **kwargs):
            calls.append(_method)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(RecoveryCodeHasher, method, counted)
    return calls


def test_recovery_codes_are_password_hashed_one_check_per_attempt(
    api_client, mfa, password, recovery_hashes
):
    rows = RecoveryCode.objects.filter(user=mfa.user)
    assert all(row.digest.startswith("argon2_recovery$argon2id$") for row in rows)
    code = mfa.recovery_codes[0]
    index, secret = code[:4], code[5:]
    # The right index with a wrong secret: one check of that row's hash.
    wrong_secret = (
        index + "-" + ("2222-2222-2222" if secret != "2222-2222-2222" else "3333-3333-3333")
    )
    mfa_token = _challenge(api_client, mfa.user, password)
    assert _step(api_client, mfa_token, wrong_secret).json() == INVALID_CODE
    assert recovery_hashes == ["verify"]
    # An index that names no code: one hash all the same, so the timing tells nothing.
    recovery_hashes.clear()
    unknown = next(
        f"{i * 4}-{secret}"
        for i in "23456789"
        if not any(c.startswith(i * 4) for c in mfa.recovery_codes)
    )
    assert _step(api_client, mfa_token, unknown).json() == INVALID_CODE
    assert recovery_hashes == ["encode"]
    # The right code: one check, and the login completes.
    recovery_hashes.clear()
    assert _step(api_client, mfa_token, code).status_code == 200
    assert recovery_hashes == ["verify"]
