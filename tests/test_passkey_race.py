"""One passkey assertion sent many times at once signs in once: the ceremony is used up by
one conditional UPDATE, before the assertion is checked (PostgreSQL: real parallel writers)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from accounts.models import Token
from tests.softauthn import SoftAuthenticator
from tests.test_passkeys import register

PARALLEL = 20


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel writers need PostgreSQL's row locks"
)
@pytest.mark.django_db(transaction=True)
def test_one_assertion_sent_twenty_times_at_once_signs_in_once(user, password, settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 1000
    authenticator = SoftAuthenticator()
    setup = APIClient()
    setup.force_authenticate(user)
    assert register(setup, password, authenticator).status_code == 201
    started = APIClient().post("/api/auth/login/passkey/begin/", format="json").json()
    body = {
        "ceremony": started["ceremony"],
        "credential": authenticator.assert_(started["options"]),
    }

    def send(_n: int) -> int:
        try:
            return APIClient().post("/api/auth/login/passkey/", body, format="json").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(send, range(PARALLEL)))
    assert sorted(statuses) == [200] + [400] * (PARALLEL - 1)
    assert Token.objects.filter(user=user, kind=Token.Kind.LOGIN).count() == 1
