import pytest
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
