import json
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from accounts.models import Token
from accounts.tokens import keys as tokens

TOKENS = "/api/auth/tokens/"
ME = "/api/auth/me/"


def _me(api_client, raw, **extra):
    return api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


@pytest.fixture
def restricted(user):
    return Token.objects.issue(
        user,
        name="ci",
        kind=Token.Kind.PERSONAL,
        allowed_ips=["198.51.100.0/24", "2001:db8::/32"],
    )


@pytest.mark.django_db
def test_allowed_addresses_pass_others_get_the_invalid_token_401(api_client, restricted, caplog):
    token, raw = restricted
    assert _me(api_client, raw, REMOTE_ADDR="198.51.100.20").status_code == 200
    assert _me(api_client, raw, REMOTE_ADDR="2001:db8::5").status_code == 200

    unknown = _me(api_client, tokens.generate(), REMOTE_ADDR="203.0.113.5")
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        denied = _me(api_client, raw, REMOTE_ADDR="203.0.113.5")
    assert denied.status_code == 401
    assert denied.json() == unknown.json()
    assert denied["WWW-Authenticate"] == unknown["WWW-Authenticate"]
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "accounts.security"]
    assert {"event": "token.ip_denied", "ip": "203.0.113.5"}.items() <= events[-1].items()
    assert events[-1]["token_prefix"] == token.prefix
    assert raw not in caplog.text


@pytest.mark.django_db
def test_x_forwarded_for_cannot_bypass_without_proxies(api_client, restricted, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _, raw = restricted
    response = _me(api_client, raw, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert response.status_code == 401


@pytest.mark.django_db
def test_x_forwarded_for_behind_one_proxy(api_client, restricted, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _, raw = restricted
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The proxy appends the real client; what the client wrote to the left is ignored.
    spoofed = _me(api_client, raw, HTTP_X_FORWARDED_FOR="198.51.100.20, 203.0.113.5", **proxy)
    assert spoofed.status_code == 401
    allowed = _me(api_client, raw, HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.20", **proxy)
    assert allowed.status_code == 200
    # Only the last entry counts, whatever else the client adds.
    many = "198.51.100.1, 198.51.100.2, 203.0.113.5"
    assert _me(api_client, raw, HTTP_X_FORWARDED_FOR=many, **proxy).status_code == 401


@pytest.mark.django_db
def test_create_with_allowed_ips_and_shown_in_the_list(auth_client):
    response = auth_client.post(
        TOKENS,
        {"name": "ci", "allowed_ips": ["192.0.2.7", "2001:DB8::/48", "10.0.0.0/8"]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["allowed_ips"] == ["192.0.2.7/32", "2001:db8::/48", "10.0.0.0/8"]
    raw = response.json()["token"]
    assert _me(APIClient(), raw).status_code == 401
    assert _me(APIClient(), raw, REMOTE_ADDR="10.1.2.3").status_code == 200
    listed = {row["prefix"]: row for row in auth_client.get(TOKENS).json()}
    assert listed[raw[:12]]["allowed_ips"] == ["192.0.2.7/32", "2001:db8::/48", "10.0.0.0/8"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["10.0.0.1", ["nope"], ["10.0.0.1/8"], ["10.0.0.0/33"], [""], [5], ["1.1.1.1"] * 51, {"a": 1}],
)
def test_bad_allowed_ips_are_400(auth_client, value):
    response = auth_client.post(TOKENS, {"name": "ci", "allowed_ips": value}, format="json")
    assert response.status_code == 400
    assert "allowed_ips" in response.json()
    assert not Token.objects.filter(name="ci").exists()


@pytest.mark.django_db
def test_last_used_ip_is_recorded_and_listed(api_client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    token, raw = Token.objects.issue(user, name="laptop")
    response = _me(api_client, raw, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_ip == "192.0.2.44" and token.last_used_at is not None
    listed = api_client.get(TOKENS, HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert listed[0]["last_used_ip"] == "192.0.2.44"
    out = StringIO()
    call_command("listtokens", stdout=out)
    assert "LAST IP" in out.getvalue() and "192.0.2.44" in out.getvalue()


@pytest.mark.django_db
def test_require_expiry_refuses_tokens_that_never_expire(auth_client, settings):
    settings.ACCOUNTS_TOKEN_REQUIRE_EXPIRY = True
    settings.ACCOUNTS_TOKEN_MAX_TTL = None
    settings.ACCOUNTS_TOKEN_TTL = None
    never = auth_client.post(TOKENS, {"name": "x", "expires_in_days": None}, format="json")
    assert never.status_code == 400
    assert "must expire" in never.json()["expires_in_days"][0]
    omitted = auth_client.post(TOKENS, {"name": "x"}, format="json")
    assert omitted.status_code == 400
    assert "must expire" in omitted.json()["expires_in_days"][0]
    dated = auth_client.post(TOKENS, {"name": "x", "expires_in_days": 30}, format="json")
    assert dated.status_code == 201


@pytest.mark.django_db
def test_createtoken_allow_ip(user):
    out, err = StringIO(), StringIO()
    call_command(
        "createtoken",
        user.email,
        "--allow-ip",
        "192.0.2.0/24",
        "--allow-ip",
        "::1",
        stdout=out,
        stderr=err,
    )
    token = Token.objects.get(digest=tokens.digest(out.getvalue().strip()))
    assert token.allowed_ips == ["192.0.2.0/24", "::1/128"]
    with pytest.raises(CommandError, match="--allow-ip"):
        call_command("createtoken", user.email, "--allow-ip", "bogus", stdout=out, stderr=err)


@pytest.mark.django_db
def test_admin_issues_a_restricted_token_and_shows_it(staff_client, user):
    data = {
        "user": user.pk,
        "name": "bot",
        "expires_in_days": "7",
        "scopes": ["read"],
        "allowed_ips": "192.0.2.0/24, 2001:db8::1",
    }
    response = staff_client.post("/admin/accounts/token/add/", data)
    # The token is shown once, on the page that answers the form.
    assert response.status_code == 200
    assert b'id="issued-token"' in response.content
    token = Token.objects.get(name="bot")
    assert token.allowed_ips == ["192.0.2.0/24", "2001:db8::1/128"]
    page = staff_client.get(f"/admin/accounts/token/{token.pk}/change/")
    assert b"192.0.2.0/24" in page.content and b"Last used ip" in page.content
    bad = staff_client.post("/admin/accounts/token/add/", {**data, "allowed_ips": "nope"})
    assert bad.status_code == 200
    assert b"is not an IP address" in bad.content


def test_networks_are_parsed_once_per_list():
    from accounts.tokens import allowed_ips

    allowed_ips._networks.cache_clear()
    entries = ["192.0.2.0/24", "2001:db8::/32"]
    for address in ("192.0.2.1", "::ffff:192.0.2.9", "2001:db8::1"):
        assert allowed_ips.permits(entries, address)
    for address in ("192.0.3.1", "2001:db9::1", "", "garbage"):
        assert not allowed_ips.permits(entries, address)
    assert allowed_ips._networks.cache_info().misses == 1


@pytest.mark.django_db
def test_restricted_token_check_is_still_one_query(
    api_client, restricted, django_assert_num_queries
):
    _, raw = restricted
    _me(api_client, raw, REMOTE_ADDR="198.51.100.20")  # records the use
    with django_assert_num_queries(1):
        assert _me(api_client, raw, REMOTE_ADDR="198.51.100.20").status_code == 200
    with django_assert_num_queries(1):
        assert _me(api_client, raw, REMOTE_ADDR="203.0.113.1").status_code == 401


@pytest.mark.django_db
def test_createtoken_refuses_no_expiry_when_required(user, settings):
    settings.ACCOUNTS_TOKEN_REQUIRE_EXPIRY = True
    settings.ACCOUNTS_TOKEN_MAX_TTL = None
    settings.ACCOUNTS_TOKEN_TTL = None
    with pytest.raises(CommandError, match="must expire"):
        call_command("createtoken", user.email, stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_allowed_ips_item_errors_are_one_flat_list(auth_client):
    # The documented 400 shape: a list of messages for the field, not an object by index.
    response = auth_client.post(
        TOKENS, {"name": "x", "allowed_ips": ["9" * 100, "192.0.2.1"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["allowed_ips"] == ["Ensure this field has no more than 64 characters."]


UNMATCHABLE = [
    ("::ffff:10.0.0.0/104", "enter 10.0.0.0/8 instead"),
    ("::ffff:192.0.2.7", "enter 192.0.2.7/32 instead"),
    ("fe80::1%eth0", "leave out the %eth0 part"),
    ("fe80::%eth0/64", "leave out the %eth0 part"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "hint"), UNMATCHABLE)
def test_entries_that_can_never_match_are_400_saying_why(auth_client, entry, hint):
    response = auth_client.post(
        TOKENS, {"name": "ci", "allowed_ips": ["192.0.2.1", entry]}, format="json"
    )
    assert response.status_code == 400
    [message] = response.json()["allowed_ips"]
    assert "would never match" in message and hint in message
    assert not Token.objects.filter(name="ci").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "hint"), UNMATCHABLE)
def test_admin_refuses_entries_that_can_never_match(staff_client, user, entry, hint):
    data = {"user": user.pk, "name": "bot", "expires_in_days": "7", "scopes": ["read"]}
    response = staff_client.post("/admin/accounts/token/add/", {**data, "allowed_ips": entry})
    assert response.status_code == 200
    assert "would never match" in response.content.decode()
    assert not Token.objects.filter(name="bot").exists()


def test_ipv6_ranges_that_can_match_are_kept():
    from accounts.tokens import allowed_ips

    assert allowed_ips.normalise(["::/0", "2001:db8::/32", "::1"]) == [
        "::/0",
        "2001:db8::/32",
        "::1/128",
    ]
