"""Property-based tests: the header parser and the token checksum take any input calmly."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.exceptions import MalformedAuthorization
from accounts.tokens import keys as tokens
from accounts.tokens.authentication import parse_authorization

# WSGI hands headers over as latin-1 text, so any byte can arrive as a character.
header_bytes = st.binary(max_size=2048).map(lambda raw: raw.decode("latin-1"))
keyword = st.sampled_from(["Bearer", "bearer", "Token", "TOKEN", "Basic", ""])
headers = st.one_of(
    header_bytes,
    st.text(max_size=2048),
    st.builds(
        lambda k, sep, rest: f"{k}{sep}{rest}",
        keyword,
        st.sampled_from([" ", "  ", "\t"]),
        st.one_of(header_bytes, st.text(max_size=100)),
    ),  # fmt: skip
)


@given(headers)
def test_parse_authorization_returns_a_credential_none_or_a_clear_400(header):
    try:
        credential = parse_authorization(header)
    except MalformedAuthorization as error:
        assert error.status_code == 400
        assert str(error.detail).startswith("Invalid token header.")
        return
    if credential is not None:
        assert header.split()[0].lower() in ("bearer", "token")
        assert credential == header.split()[1] and len(header) <= 1024


@given(st.one_of(header_bytes, st.text(max_size=200)))
def test_is_well_formed_never_raises(candidate):
    assert tokens.is_well_formed(candidate) in (True, False)


@given(st.binary(min_size=0, max_size=80))
def test_random_bytes_are_almost_never_well_formed(raw):
    text = raw.decode("latin-1")
    if tokens.is_well_formed(text):
        # Only something with our prefix, length, alphabet and checksum passes.
        assert text.startswith(tokens.PREFIX) and len(text) == tokens.LENGTH


@given(
    st.integers(min_value=len(tokens.PREFIX), max_value=tokens.LENGTH - 1),
    st.sampled_from(tokens.ALPHABET),
)
def test_changing_any_one_character_breaks_the_checksum(position, replacement):
    token = tokens.generate()
    if token[position] == replacement:
        return
    mutated = token[:position] + replacement + token[position + 1 :]
    assert not tokens.is_well_formed(mutated)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(header=headers)
def test_any_authorization_header_gets_401_or_400_never_500(api_client, header):
    response = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code in (400, 401)
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
