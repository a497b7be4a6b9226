import re
from datetime import timedelta

import pytest
from django.db import connection

from accounts.models import Token
from accounts.tokens import keys as tokens


def test_generated_token_format():
    raw = tokens.generate()
    assert re.fullmatch(r"ast_[0-9A-Za-z]{43}[0-9A-Za-z]{6}", raw)
    assert len(raw) == tokens.LENGTH == 53
    assert tokens.is_well_formed(raw)


def test_tokens_are_unique():
    assert len({tokens.generate() for _ in range(200)}) == 200


def test_body_has_at_least_256_bits_of_entropy():
    import math

    assert tokens.BODY_LENGTH * math.log2(len(tokens.ALPHABET)) >= 256


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # checksum off by one character
        lambda t: t[:10] + ("x" if t[10] != "x" else "y") + t[11:],  # body typo
        lambda t: "xyz_" + t[4:],  # wrong product prefix
        lambda t: t[:-1],  # too short
        lambda t: t + "A",  # too long
        lambda t: t[:20] + "-" + t[21:],  # outside base62
    ],
)
def test_mistyped_or_forged_tokens_fail_the_structural_check(mutate):
    assert not tokens.is_well_formed(mutate(tokens.generate()))


def test_checksum_is_crc32_in_six_base62_characters():
    import zlib

    body = "a" * tokens.BODY_LENGTH
    value = 0
    for char in tokens.checksum(body):
        value = value * 62 + tokens.ALPHABET.index(char)
    assert value == zlib.crc32(body.encode())


def test_issue_returns_raw_token_once_and_stores_only_its_digest(user):
    token, raw = Token.objects.issue(user, name="CLI on laptop")
    assert token.digest == tokens.digest(raw)
    assert token.prefix == raw[:12]
    assert token.name == "CLI on laptop"
    assert token.scopes == ["read", "write"]
    # The raw token appears in no column of any table.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert not any(raw in str(value) for value in row), table


def test_default_lifetime_is_thirty_days(user):
    token, _ = Token.objects.issue(user)
    assert token.expires_at - token.created_at == timedelta(days=30)


def test_lifetime_setting_is_read_when_used(user, settings):
    settings.ACCOUNTS_TOKEN_TTL = timedelta(hours=1)
    token, _ = Token.objects.issue(user)
    assert token.expires_at - token.created_at == timedelta(hours=1)
    settings.ACCOUNTS_TOKEN_TTL = None
    token, _ = Token.objects.issue(user)
    assert token.expires_at is None


def test_two_issues_give_two_tokens(user):
    first = Token.objects.issue(user)
    second = Token.objects.issue(user)
    assert first[1] != second[1]
    assert first[0].digest != second[0].digest


def test_revoke_keeps_the_row_with_a_reason(issued_token):
    token, _ = issued_token
    assert token.revoke(Token.RevokeReason.LOGOUT) is True
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_reason == "logout"
    assert token.revoke(Token.RevokeReason.ADMIN) is False
    token.refresh_from_db()
    assert token.revoked_reason == "logout"
