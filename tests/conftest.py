import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from rest_framework.test import APIClient

from accounts.models import Token, User

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user("alice@example.com", PASSWORD)


@pytest.fixture
def other_user(db) -> User:
    return User.objects.create_user("bob@example.com", PASSWORD)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def issued_token(user) -> tuple[Token, str]:
    return Token.objects.issue(user, name="test")


@pytest.fixture
def auth_client(api_client, issued_token) -> APIClient:
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued_token[1]}")
    return api_client


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    """Start every test with no login failures or rate-limit hits counted.

    The database cache is rolled back with each test's transaction; Redis is not.
    """
    yield
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        from django.core.cache import caches

        caches["default"].clear()


@pytest.fixture
def hasher_calls(monkeypatch) -> list[str]:
    """Record every argon2 hash ("encode") and check ("verify") made during the test."""
    calls: list[str] = []
    for method in ("encode", "verify"):
        original = getattr(Argon2PasswordHasher, method)

        def counted(self, *args, _original=original, _method=method, **kwargs):
            calls.append(_method)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Argon2PasswordHasher, method, counted)
    return calls


@pytest.fixture
def staff_client(client, admin_user):
    """A browser session of a superuser, for admin pages."""
    client.force_login(admin_user)
    return client


class EnrolledMFA:
    """A user's TOTP secret and first recovery codes, and a code for any moment."""

    def __init__(self, user, secret: str, recovery_codes: list[str]):
        self.user = user
        self.secret = secret
        self.recovery_codes = recovery_codes

    def code(self, offset_steps: int = 0) -> str:
        import time

        import pyotp

        return pyotp.TOTP(self.secret).at(time.time() + 30 * offset_steps)


@pytest.fixture
def mfa(user) -> EnrolledMFA:
    """MFA turned on for `user`, as POST /api/auth/mfa/totp/confirm/ does, without its email."""
    from accounts.mfa import crypto
    from accounts.mfa.models import Authenticator, RecoveryCode

    authenticator, secret = Authenticator.objects.start(user)
    Authenticator.objects.filter(pk=authenticator.pk).update(confirmed_at=authenticator.created_at)
    codes = RecoveryCode.objects.regenerate(user)
    assert crypto.decrypt(authenticator.encrypted_secret) == secret
    return EnrolledMFA(user, secret, codes)


@pytest.fixture(scope="session", autouse=True)
def _stop_token_cache_listener():
    """Close the token cache's own connection before pytest-django drops the test database."""
    yield
    from accounts.tokencache import listener

    listener.stop()


@pytest.fixture(scope="module")
def schema() -> dict:
    """The OpenAPI document as drf-spectacular generates it, for tests that read it."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)
