import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Token
from accounts.tokens import keys as tokens


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_createtoken_prints_the_raw_token_once(user, api_client):
    out, err = _run(
        "createtoken", "ALICE@example.com", "--name", "backup", "--expires-in-days", "7"
    )
    raw = out.strip()
    assert tokens.is_well_formed(raw)
    token = Token.objects.get(digest=tokens.digest(raw))
    assert (token.user, token.name, token.kind) == (user, "backup", "personal")
    assert token.scopes == ["read", "write"]
    assert token.expires_at - token.created_at == timedelta(days=7)
    assert raw not in err and token.prefix in err and "backup" in err
    response = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_createtoken_with_a_read_scope(user):
    out, _ = _run("createtoken", user.email, "--scope", "read")
    token = Token.objects.get(digest=tokens.digest(out.strip()))
    assert token.scopes == ["read"]
    assert token.expires_at - token.created_at == timedelta(days=30)
    assert token.idle_timeout is None


def test_createtoken_with_an_idle_timeout_and_both_scopes(user):
    out, _ = _run(
        "createtoken", user.email, "--idle-timeout-days", "5", "--scope", "write", "--scope", "read"
    )
    token = Token.objects.get(digest=tokens.digest(out.strip()))
    assert token.idle_timeout == timedelta(days=5)
    assert token.scopes == ["read", "write"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com"], "No user has the email 'nobody@example.com'."),
        (
            ["alice@example.com", "--expires-in-days", "400"],
            "--expires-in-days: Tokens can live at most 365 days.",
        ),
        (["alice@example.com", "--name", "x" * 101], "--name must be at most 100 characters."),
    ],
)
def test_createtoken_bad_arguments(user, args, message):
    with pytest.raises(CommandError, match=f"^{message.replace('.', '[.]')}$"):
        _run("createtoken", *args)
    assert not Token.objects.exists()


def test_createtoken_refuses_inactive_users_and_the_cap(user, settings):
    settings.ACCOUNTS_MAX_TOKENS_PER_USER = 1
    Token.objects.issue(user)
    with pytest.raises(CommandError, match="1 active tokens"):
        _run("createtoken", user.email)
    user.is_active = False
    user.save()
    with pytest.raises(CommandError, match="is inactive"):
        _run("createtoken", user.email)
    assert Token.objects.count() == 1


def test_revoketokens_by_user(user, other_user):
    Token.objects.issue(user)
    Token.objects.issue(user)
    bystander, _ = Token.objects.issue(other_user)
    out, _ = _run("revoketokens", "--user", user.email)
    assert out == "Revoked 2 tokens.\n"
    assert set(Token.objects.filter(user=user).values_list("revoked_reason", flat=True)) == {
        "command"
    }
    bystander.refresh_from_db()
    assert bystander.revoked_at is None
    assert _run("revoketokens", "--user", user.email)[0] == "Revoked 0 tokens.\n"


def test_revoketokens_by_prefix_with_a_reason(issued_token, user):
    token, _ = issued_token
    other, _ = Token.objects.issue(user)
    out, _ = _run("revoketokens", "--prefix", token.prefix, "--reason", "admin")
    assert out == "Revoked 1 token.\n"
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_reason == "admin"
    assert other.revoked_at is None


def test_revoketokens_all_expired(user, settings):
    live, _ = Token.objects.issue(user)
    expired, _ = Token.objects.issue(user, ttl=timedelta(seconds=-1))
    idle, _ = Token.objects.issue(user)
    Token.objects.filter(pk=idle.pk).update(created_at=timezone.now() - timedelta(days=8))
    out, _ = _run("revoketokens", "--all-expired")
    assert out == "Revoked 2 tokens.\n"
    assert list(Token.objects.filter(revoked_at__isnull=True)) == [live]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@example.com"], "No user has the email 'nobody@example.com'."),
        (["--prefix", "ast_"], "--prefix must be a token's 12-character display prefix"),
        ([], "one of the arguments --user --prefix --all-expired is required"),
        (["--user", "a@example.com", "--all-expired"], "not allowed with argument"),
        (["--all-expired", "--reason", "whim"], "invalid choice: 'whim'"),
    ],
)
def test_revoketokens_bad_arguments(issued_token, args, message):
    with pytest.raises(CommandError, match=message):
        _run("revoketokens", *args)
    assert Token.objects.live().count() == 1


def test_listtokens_shows_a_table_without_secrets(issued_token, user, other_user):
    token, raw = issued_token
    revoked, _ = Token.objects.issue(other_user, name="old laptop")
    revoked.revoke(Token.RevokeReason.LOGOUT)
    out, _ = _run("listtokens")
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "USER",
        "NAME",
        "PREFIX",
        "KIND",
        "SCOPES",
        "CREATED",
        "LAST",
        "USED",
        "LAST",
        "IP",
        "EXPIRES",
        "STATE",
    ]
    assert len(lines) == 2
    assert lines[1].split()[:6] == [
        str(token.pk),
        user.email,
        "test",
        token.prefix,
        "login",
        "read,write",
    ]
    assert lines[1].endswith("live")
    out_all, _ = _run("listtokens", "--all")
    assert "old laptop" in out_all and "revoked" in out_all
    for output in (out, out_all):
        assert raw not in output and token.digest not in output and revoked.digest not in output
    assert _run("listtokens", "--user", other_user.email)[0] == "No tokens.\n"
    with pytest.raises(CommandError, match="No user has the email"):
        _run("listtokens", "--user", "nobody@example.com")


def test_purgetokens_deletes_old_dead_rows_and_leaves_live_ones(user, settings):
    now = timezone.now()
    live, _ = Token.objects.issue(user, name="live")
    personal, _ = Token.objects.issue(user, kind="personal", ttl=None, name="personal")
    with time_machine.travel(now - timedelta(days=60), tick=False):
        old_personal, _ = Token.objects.issue(user, kind="personal", ttl=None, name="p-old")
    Token.objects.filter(pk=old_personal.pk).update(last_used_at=None)
    revoked_long_ago, _ = Token.objects.issue(user, name="revoked long ago")
    recently_revoked, _ = Token.objects.issue(user, name="recently revoked")
    expired_long_ago, _ = Token.objects.issue(user, name="expired long ago")
    with time_machine.travel(now - timedelta(days=40), tick=False):
        idle_long_ago, _ = Token.objects.issue(user, name="idle long ago")
        revoked_long_ago.revoke(Token.RevokeReason.LOGOUT)
    recently_revoked.revoke(Token.RevokeReason.LOGOUT)
    Token.objects.filter(pk=expired_long_ago.pk).update(expires_at=now - timedelta(days=31))
    out, _ = _run("purgetokens", "--batch-size", "1")
    assert out == "Deleted 3 tokens.\n"
    assert set(Token.objects.values_list("name", flat=True)) == {
        "live",
        "personal",
        "p-old",
        "recently revoked",
    }
    assert _run("purgetokens", "--older-than-days", "0")[0] == "Deleted 1 token.\n"
    assert set(Token.objects.live().values_list("name", flat=True)) == {
        "live",
        "personal",
        "p-old",
    }


def test_purge_deletes_in_batches(user):
    for _ in range(5):
        Token.objects.issue(user)[0].revoke(Token.RevokeReason.LOGOUT)
    with CaptureQueriesContext(connection) as queries:
        assert Token.objects.purge(timedelta(0), batch_size=2) == 5
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    # Three small deletes (2 + 2 + 1 rows), each in its own transaction, not one big one.
    assert len(deletes) == 3
    assert not Token.objects.exists()


@pytest.fixture(scope="module")
def command_env(tmp_path_factory):
    """An environment for running manage.py in a subprocess, on a migrated SQLite file."""
    database = tmp_path_factory.mktemp("commands") / "db.sqlite3"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], env=env, check=True, timeout=120
    )
    return env


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["createtoken", "nobody@example.com"], "No user has the email 'nobody@example.com'."),
        (["createtoken", "a@example.com", "--expires-in-days", "soon"], "not a whole number"),
        (["listtokens", "--user", "nobody@example.com"], "No user has the email"),
        (["revoketokens", "--prefix", "ast_"], "--prefix must be a token's"),
        (["purgetokens", "--older-than-days", "-1"], "must be at least 0, not -1"),
        (["purgetokens", "--older-than-days", "x"], "'x' is not a whole number"),
        (["revoketokens"], "one of the arguments --user --prefix --all-expired is required"),
    ],
)
def test_bad_arguments_end_with_one_line_and_no_traceback(command_env, args, message):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=command_env,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert message in last
