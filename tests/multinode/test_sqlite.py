"""SQLite (the default) under a burst of sign-ups from four gunicorn workers."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.multinode.conftest import PASSWORD, Server, app_env, migrate

pytestmark = pytest.mark.multinode


def test_two_hundred_concurrent_registrations_never_500(tmp_path):
    env = app_env(tmp_path)  # DATABASE_URL: a SQLite file in tmp_path
    migrate(env)
    # 200 argon2 hashes on a small machine take a while: the last answer may be late.
    server = Server(env, tmp_path / "gunicorn.log", workers=4, timeout=180)
    try:

        def register(n):
            data = {"email": f"user{n}@example.com", "password": PASSWORD}
            return server.request("POST", "/api/auth/register/", data=data).status

        with ThreadPoolExecutor(max_workers=200) as pool:
            statuses = list(pool.map(register, range(200)))
    finally:
        server.stop()
    # Each waits for the lock, or at worst is asked to retry; none fails.
    assert 500 not in statuses
    assert set(statuses) <= {201, 503}
    assert statuses.count(201) >= 190
    assert "Traceback" not in server.text()
