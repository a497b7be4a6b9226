import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail

from accounts.leaks import keystore
from accounts.models import Token
from accounts.tokens import keys as tokens

URL = "/api/auth/secret-scanning/github/"
LEAK_URL = "https://github.com/someone/repo/blob/abc123/settings.py"


def _key_list(private_keys: dict[str, ec.EllipticCurvePrivateKey]) -> str:
    return json.dumps(
        {
            "public_keys": [
                {
                    "key_identifier": key_id,
                    "key": key.public_key()
                    .public_bytes(
                        serialization.Encoding.PEM,
                        serialization.PublicFormat.SubjectPublicKeyInfo,
                    )
                    .decode(),
                    "is_current": True,
                }
                for key_id, key in private_keys.items()
            ]
        }
    )


@pytest.fixture
def signing_key(tmp_path, settings):
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "keys.json"
    path.write_text(_key_list({"kid-1": key}))
    settings.ACCOUNTS_SECRET_SCANNING_KEYS_FILE = str(path)
    settings.ACCOUNTS_SECRET_SCANNING_KEYS_URL = None
    return key


def _sign(key, body: bytes) -> str:
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


def _post(api_client, body: bytes, key=None, key_id="kid-1", signature=None):
    headers = {}
    if key_id is not None:
        headers["HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER"] = key_id
    if signature is None and key is not None:
        signature = _sign(key, body)
    if signature is not None:
        headers["HTTP_GITHUB_PUBLIC_KEY_SIGNATURE"] = signature
    return api_client.generic("POST", URL, body, content_type="application/json", **headers)


def _report(*raw_tokens: str) -> bytes:
    return json.dumps(
        [
            {"token": raw, "type": "authsite_token", "url": LEAK_URL, "source": "content"}
            for raw in raw_tokens
        ]
    ).encode()


@pytest.mark.django_db
def test_signed_report_revokes_labels_and_emails_once(api_client, user, signing_key):
    token, raw = Token.objects.issue(user, name="laptop", kind=Token.Kind.PERSONAL)
    unknown = tokens.generate()
    mail.outbox.clear()
    body = _report(raw, unknown, "ast_garbage")

    response = _post(api_client, body, signing_key)

    assert response.status_code == 200
    assert response.json() == [
        {
            "token_hash": hashlib.sha256(value.encode()).hexdigest(),
            "token_type": "authsite_token",
            "label": label,
        }
        for value, label in [
            (raw, "true_positive"),
            (unknown, "false_positive"),
            ("ast_garbage", "false_positive"),
        ]
    ]
    me = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 401
    token.refresh_from_db()
    assert token.revoked_reason == Token.RevokeReason.LEAKED
    assert token.leak_url == LEAK_URL
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [user.email]
    assert token.prefix in email.body and LEAK_URL in email.body
    assert raw not in email.body

    # GitHub resends the same signed body: 200 again, still a true positive, no second email.
    again = _post(api_client, body, signing_key)
    assert again.status_code == 200
    assert again.json() == response.json()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_already_revoked_token_is_a_true_positive_without_email(api_client, user, signing_key):
    token, raw = Token.objects.issue(user)
    token.revoke(Token.RevokeReason.LOGOUT)
    mail.outbox.clear()
    response = _post(api_client, _report(raw), signing_key)
    assert response.status_code == 200
    assert response.json()[0]["label"] == "true_positive"
    assert mail.outbox == []
    token.refresh_from_db()
    assert token.revoked_reason == Token.RevokeReason.LOGOUT


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["unsigned", "no_key_id", "wrong_key", "unknown_id", "not_b64"])
def test_bad_signatures_are_401_and_touch_no_token(api_client, user, signing_key, case):
    token, raw = Token.objects.issue(user)
    mail.outbox.clear()
    body = _report(raw)
    other = ec.generate_private_key(ec.SECP256R1())
    kwargs = {
        "unsigned": {"key_id": "kid-1"},
        "no_key_id": {"key": signing_key, "key_id": None},
        "wrong_key": {"key": other},
        "unknown_id": {"key": signing_key, "key_id": "kid-2"},
        "not_b64": {"signature": "%%%not base64%%%"},
    }[case]
    response = _post(api_client, body, **kwargs)
    assert response.status_code == 401
    assert "detail" in response.json()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert mail.outbox == []


@pytest.mark.django_db
def test_signature_over_another_body_is_refused(api_client, user, signing_key):
    token, raw = Token.objects.issue(user)
    signature = _sign(signing_key, _report(tokens.generate()))
    response = _post(api_client, _report(raw), signature=signature)
    assert response.status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe garbage",
        b"{}",
        b'{"token": "ast_x"}',
        b"[1, 2]",
        b'[{"type": "x"}]',
        b'[{"token": 5, "type": "x"}]',
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_signed_garbage_is_a_clean_400(api_client, signing_key, body):
    response = _post(api_client, body, signing_key)
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.django_db
def test_oversized_body_is_413(api_client, signing_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = _report(*[tokens.generate() for _ in range(30)])
    response = _post(api_client, body, signing_key)
    assert response.status_code == 413


@pytest.fixture
def key_url(settings, monkeypatch):
    """Keys from a URL, with a fresh key store and a clock the test moves."""
    monkeypatch.setattr(keystore, "_stores", {})
    clock = [1000.0]
    monkeypatch.setattr(keystore, "_now", lambda: clock[0])
    settings.ACCOUNTS_SECRET_SCANNING_KEYS_FILE = None

    def use(url: str):
        settings.ACCOUNTS_SECRET_SCANNING_KEYS_URL = url
        from django.core.cache import cache

        cache.delete(f"accounts:leaks:github-keys:{url}")
        return clock

    return use


@pytest.mark.django_db
def test_keys_from_url_are_cached_and_refetched_at_most_once_a_minute(
    api_client, user, key_url, monkeypatch
):
    key = ec.generate_private_key(ec.SECP256R1())
    new_key = ec.generate_private_key(ec.SECP256R1())
    published = {"kid-1": key}
    fetches = []

    def fake_fetch(url):
        fetches.append(url)
        return _key_list(published).encode()

    monkeypatch.setattr(keystore, "fetch", fake_fetch)
    clock = key_url("https://keys.example/secret_scanning")

    body = _report(tokens.generate())
    for _ in range(3):
        assert _post(api_client, body, key).status_code == 200
    assert len(fetches) == 1

    # A key GitHub has just published: the unknown id fetches once, then not again for a minute.
    published["kid-2"] = new_key
    clock[0] += 61
    assert _post(api_client, body, new_key, key_id="kid-2").status_code == 200
    assert len(fetches) == 2
    for _ in range(3):
        assert _post(api_client, body, new_key, key_id="kid-unknown").status_code == 401
    assert len(fetches) == 2
    clock[0] += 61
    for _ in range(2):
        assert _post(api_client, body, new_key, key_id="kid-unknown").status_code == 401
    assert len(fetches) == 3

    # Another process (or this one restarted) takes the list from the shared cache: no fetch.
    monkeypatch.setattr(keystore, "_stores", {})
    assert _post(api_client, body, new_key, key_id="kid-2").status_code == 200
    assert len(fetches) == 3


@pytest.mark.django_db
def test_key_fetch_failure_is_a_401_not_a_500(api_client, user, key_url, monkeypatch):
    def failing_fetch(url):
        raise OSError("network down")

    monkeypatch.setattr(keystore, "fetch", failing_fetch)
    key_url("https://keys.example/down")
    token, raw = Token.objects.issue(user)
    key = ec.generate_private_key(ec.SECP256R1())
    response = _post(api_client, _report(raw), key)
    assert response.status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_a_failed_fetch_keeps_the_last_good_keys(api_client, user, key_url, monkeypatch):
    key = ec.generate_private_key(ec.SECP256R1())
    answers = [_key_list({"kid-1": key}).encode(), OSError("down"), b"<html>oops</html>"]
    fetches = []

    def flaky_fetch(url):
        answer = answers[len(fetches)]
        fetches.append(url)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(keystore, "fetch", flaky_fetch)
    clock = key_url("https://keys.example/flaky")
    body = _report(tokens.generate())
    assert _post(api_client, body, key).status_code == 200
    for _ in range(2):
        # An unknown id a minute later refetches; the fetch fails; kid-1 still works.
        clock[0] += 61
        assert _post(api_client, body, key, key_id="kid-9").status_code == 401
        assert _post(api_client, body, key).status_code == 200
    assert len(fetches) == 3


@pytest.mark.django_db
def test_a_signature_that_is_not_der_starts_no_fetch(api_client, key_url, monkeypatch):
    fetches = []
    monkeypatch.setattr(keystore, "fetch", lambda url: fetches.append(url) or b"{}")
    key_url("https://keys.example/never")
    signature = base64.b64encode(b"made up").decode()
    assert _post(api_client, _report("x"), key_id="kid-x", signature=signature).status_code == 401
    assert fetches == []


@pytest.mark.django_db
def test_missing_or_broken_key_file_is_a_401(api_client, signing_key, settings, tmp_path):
    body = _report(tokens.generate())
    settings.ACCOUNTS_SECRET_SCANNING_KEYS_FILE = str(tmp_path / "missing.json")
    assert _post(api_client, body, signing_key).status_code == 401
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    settings.ACCOUNTS_SECRET_SCANNING_KEYS_FILE = str(broken)
    assert _post(api_client, body, signing_key).status_code == 401
