from datetime import timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from accounts.http.clientip import client_ip, rate_limit_key
from accounts.ratelimit.throttling import PasswordResetRateThrottle

LOGIN = "/api/auth/login/"
REGISTER = "/api/auth/register/"


@pytest.fixture(autouse=True)
def _mid_window():
    """Stop the clock mid-hour, so no fixed window ends during a test."""
    with time_machine.travel(timezone.now().replace(minute=30, second=10), tick=False):
        yield


def _login(client, **extra):
    return client.post(
        LOGIN, {"email": "x@example.com", "password": "wrong"}, format="json", **extra
    )


def test_login_over_the_rate_is_429_with_retry_after(api_client, db, settings):
    settings.ACCOUNTS_LOGIN_RATE = "3/min"
    start = timezone.now().replace(second=10, microsecond=0)
    with time_machine.travel(start, tick=False):
        assert [_login(api_client).status_code for _ in range(3)] == [400, 400, 400]
        response = _login(api_client)
    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    assert response.json() == {"detail": "Request was throttled. Expected available in 50 seconds."}


def test_the_rate_window_ends(api_client, db, settings):
    settings.ACCOUNTS_LOGIN_RATE = "2/min"
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        _login(api_client), _login(api_client)
        assert _login(api_client).status_code == 429
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        assert _login(api_client).status_code == 400


def test_each_endpoint_has_its_own_bucket(api_client, db, settings):
    settings.ACCOUNTS_LOGIN_RATE = "1/min"
    settings.ACCOUNTS_REGISTER_RATE = "1/hour"
    _login(api_client)
    assert _login(api_client).status_code == 429
    body = {"email": "new@example.com", "password": "a fine long passphrase"}
    assert api_client.post(REGISTER, body, format="json").status_code == 201
    body["email"] = "newer@example.com"
    response = api_client.post(REGISTER, body, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_rotating_x_forwarded_for_does_not_reset_the_limit(api_client, db, settings):
    settings.ACCOUNTS_LOGIN_RATE = "2/min"
    statuses = [
        _login(api_client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)
    ]
    assert statuses == [400, 400, 429, 429]


def test_behind_a_trusted_proxy_the_client_cannot_spoof_its_address(api_client, db, settings):
    settings.ACCOUNTS_LOGIN_RATE = "2/min"
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appends the real client address; what the client wrote is to its left.
    statuses = [
        _login(api_client, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7").status_code
        for n in range(3)
    ]
    assert statuses == [400, 400, 429]
    # Another client behind the same proxy has its own bucket.
    assert _login(api_client, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 400


def test_a_rate_of_none_switches_the_throttle_off(api_client, db, settings):
    settings.ACCOUNTS_LOGIN_RATE = None
    assert {_login(api_client).status_code for _ in range(5)} == {400}


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("192.0.2.1", None, 0, "192.0.2.1"),
        ("192.0.2.1", "203.0.113.9", 0, "192.0.2.1"),
        ("192.0.2.1", "203.0.113.9", 1, "203.0.113.9"),
        ("192.0.2.1", "6.6.6.6, 203.0.113.9", 1, "203.0.113.9"),
        ("192.0.2.1", "6.6.6.6, 203.0.113.9, 192.0.2.50", 2, "203.0.113.9"),
        # Fewer entries than proxies, or garbage: fall back to the peer address.
        ("192.0.2.1", "203.0.113.9", 2, "192.0.2.1"),
        ("192.0.2.1", "not-an-ip", 1, "192.0.2.1"),
        ("192.0.2.1", "", 1, "192.0.2.1"),
    ],
)
def test_client_ip(settings, remote, forwarded, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_ipv6_clients_count_by_their_64():
    assert rate_limit_key("2001:db8:1:2:aaaa::1") == rate_limit_key("2001:db8:1:2:bbbb::2")
    assert rate_limit_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert rate_limit_key("2001:db8:1:3::1") != rate_limit_key("2001:db8:1:2::1")
    assert rate_limit_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert rate_limit_key("192.0.2.1") == "192.0.2.1"


def test_password_reset_throttle_reads_its_own_setting(db, settings):
    settings.ACCOUNTS_PASSWORD_RESET_RATE = "1/hour"
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.3")
    assert PasswordResetRateThrottle().allow_request(request, None)
    throttle = PasswordResetRateThrottle()
    assert not throttle.allow_request(request, None)
    assert 0 < throttle.wait() <= 3600


@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_browser_logins_share_the_api_login_rate(client, api_client, db, settings, path):
    settings.ACCOUNTS_LOGIN_RATE = "3/min"
    _login(api_client), _login(api_client)
    assert client.get(path).status_code == 200  # showing the form costs nothing
    assert client.post(path, {"username": "x@example.com", "password": "y"}).status_code == 200
    response = client.post(path, {"username": "x@example.com", "password": "y"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert _login(api_client).status_code == 429


def test_bad_rate_in_the_environment_fails_at_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from authsite.env import env_rate

    monkeypatch.setenv("ACCOUNTS_LOGIN_RATE", "ten per minute")
    with pytest.raises(ImproperlyConfigured, match="ACCOUNTS_LOGIN_RATE must be a rate"):
        env_rate("ACCOUNTS_LOGIN_RATE", "10/min")
    monkeypatch.setenv("ACCOUNTS_LOGIN_RATE", "100/hour")
    assert env_rate("ACCOUNTS_LOGIN_RATE", "10/min") == "100/hour"
    monkeypatch.setenv("ACCOUNTS_LOGIN_RATE", "none")
    assert env_rate("ACCOUNTS_LOGIN_RATE", "10/min") is None
