"""Parallel "Add token" at the token cap give form errors, never a 500.

PostgreSQL only: the manager locks the user row (select_for_update) while it counts,
so of six parallel submissions for a user one below the cap, one issues the token
and five find the cap reached, which the form must report as its own error.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from accounts.models import Token, User

PARALLEL = 6

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and real threads"
)


@pytest.mark.django_db(transaction=True)
def test_parallel_add_token_at_the_cap_gives_one_token_and_form_errors(settings):
    settings.ACCOUNTS_MAX_TOKENS_PER_USER = 3
    root = User.objects.create_superuser("root@example.com", "a root passphrase 1234")
    owner = User.objects.create_user("owner@example.com", "an owner passphrase 123")
    Token.objects.issue(owner)
    Token.objects.issue(owner)
    # Bounded, so a thread that fails before the barrier fails the test instead of hanging it.
    start = threading.Barrier(PARALLEL, timeout=30)

    def add(_):
        client = Client()
        client.force_login(root)
        connections.close_all()  # back to the pool while the others log in
        start.wait()
        try:
            response = client.post(
                "/admin/accounts/token/add/",
                {"user": owner.pk, "name": "bot", "expires_in_days": "7", "scopes": ["read"]},
            )
            return response.status_code, response.content.decode()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        results = list(pool.map(add, range(PARALLEL)))
    assert [status for status, _ in results] == [200] * PARALLEL
    refused = [body for _, body in results if "already holds 3 live tokens" in body]
    assert len(refused) == PARALLEL - 1
    assert Token.objects.filter(user=owner).live().count() == 3
