"""One database's measurements (run by bench/auth_bench.py in a process of its own)."""

import os
import tempfile
import time
from contextlib import nullcontext
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from knox.auth import TokenAuthentication as KnoxAuthentication  # noqa: E402
from knox.crypto import create_token_string, hash_token  # noqa: E402
from knox.models import AuthToken  # noqa: E402
from knox.settings import CONSTANTS  # noqa: E402
from rest_framework.authentication import TokenAuthentication as DrfAuthentication  # noqa: E402
from rest_framework.authtoken.models import Token as DrfToken  # noqa: E402

from accounts.models import Token, User  # noqa: E402
from accounts.tokencache import listener  # noqa: E402
from accounts.tokens import keys as tokens  # noqa: E402
from accounts.tokens.authentication import TokenAuthentication  # noqa: E402
from bench import inprocess, loadgen  # noqa: E402

USERS = 1000
ON, OFF = {"ACCOUNTS_TOKEN_CACHE": "on"}, {"ACCOUNTS_TOKEN_CACHE": "off"}


def _populate() -> dict:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    users = User.objects.bulk_create(
        [User(email=f"bench{n}@example.com", password="!") for n in range(USERS)]
    )
    now = timezone.now()
    ours, drf, knox = [], [], []
    rows, drf_rows, knox_rows = [], [], []
    for user in users:
        raw = tokens.generate()
        ours.append(raw)
        rows.append(
            Token(
                user=user,
                digest=tokens.digest(raw),
                prefix=tokens.display_prefix(raw),
                scopes=["read", "write"],
                created_at=now,
                expires_at=now + timedelta(days=30),
            )  # fmt: skip
        )
        key = DrfToken.generate_key()
        drf.append(key)
        drf_rows.append(DrfToken(key=key, user=user))
        knox_raw = create_token_string()
        knox.append(knox_raw)
        knox_rows.append(
            AuthToken(
                digest=hash_token(knox_raw),
                token_key=knox_raw[: CONSTANTS.TOKEN_KEY_LENGTH],
                user=user,
                expiry=now + timedelta(hours=10),
            )  # fmt: skip
        )
    Token.objects.bulk_create(rows)
    DrfToken.objects.bulk_create(drf_rows)
    AuthToken.objects.bulk_create(knox_rows)
    expired_raw = tokens.generate()
    Token.objects.create(
        user=users[0], digest=tokens.digest(expired_raw), prefix=tokens.display_prefix(expired_raw),
        created_at=now - timedelta(days=2), expires_at=now - timedelta(days=1),
    )  # fmt: skip
    return {"ours": ours, "drf": drf, "knox": knox, "expired": expired_raw, "users": users}


def _inprocess(data: dict, mode: dict, pg: bool) -> dict:
    ours, drf, knox = TokenAuthentication(), DrfAuthentication(), KnoxAuthentication()
    forged = tokens.PREFIX + "A" * tokens.BODY_LENGTH + "AAAAAA"
    req = inprocess.requests_for
    cases = {
        "drf valid": (drf, req([f"Token {k}" for k in data["drf"]]), {}, True),
        "knox valid": (knox, req([f"Token {k}" for k in data["knox"]]), {}, True),
        "ours valid": (ours, req([f"Bearer {r}" for r in data["ours"]]), OFF, True),
        "drf unknown": (drf, req([f"Token {DrfToken.generate_key()}"]), {}, False),
        "knox unknown": (knox, req([f"Token {create_token_string()}"]), {}, False),
        "ours unknown": (ours, req([f"Bearer {tokens.generate()}"]), OFF, False),
        "ours forged": (ours, req([f"Bearer {forged}"]), OFF, False),
        "ours expired": (ours, req([f"Bearer {data['expired']}"]), OFF, False),
    }
    if pg:
        cases["ours valid, cache"] = (ours, cases["ours valid"][1], ON, True)
        cases["ours expired, cache"] = (ours, cases["ours expired"][1], ON, False)
        listener.ensure_started()
        time.sleep(0.5)
    return inprocess.measure(cases, mode["calls"], mode["inprocess_rounds"])


def _write_tokens(data: dict) -> dict:
    directory = tempfile.mkdtemp(prefix="authsite-bench-tokens-")
    files = {}
    for name in ("ours", "drf", "knox"):
        files[name] = os.path.join(directory, name)
        with open(files[name], "w") as handle:
            handle.write("\n".join(data[name]) + "\n")
    return files


def _http(data: dict, mode: dict, pg: bool, stacks: list[str]) -> dict:
    files = _write_tokens(data)
    results = {}
    for stack in stacks:
        env = {"BENCH_STACK": stack, "DJANGO_LOG_LEVEL": "ERROR"}
        with (
            loadgen.server({**env, "ACCOUNTS_TOKEN_CACHE": "off"}) as off,
            loadgen.server({**env, "ACCOUNTS_TOKEN_CACHE": "on"}) as on,
            # The project's own serving recipe (gunicorn.conf.py: gthread, 2 workers x 4
            # threads, access log on), with its default settings (the cache on PostgreSQL).
            (
                loadgen.server(env, shipped_config=True) if stack == "shipped" else nullcontext()
            ) as shipped,
        ):
            cases = {
                "baseline": (off, "/ping/", "", None),
                "drf": (off, "/drf/me/", "Token", files["drf"]),
                "knox": (off, "/knox/me/", "Token", files["knox"]),
                "ours": (off, "/api/auth/me/", "Bearer", files["ours"]),
            }
            if pg:
                cases["ours, cache"] = (on, "/api/auth/me/", "Bearer", files["ours"])
            if stack == "shipped":
                cases["gthread, keep-alive"] = (shipped, "/api/auth/me/", "Bearer", files["ours"])
                cases["gthread, close"] = (shipped, "/api/auth/me/", "Bearer", files["ours"], True)
            runs: dict[str, list[dict]] = {name: [] for name in cases}
            # Every token unused for longer than the interval: this run pays each one's
            # last_used_at write (the p99 that matters on SQLite).
            Token.objects.update(last_used_at=None)
            updates = _UpdateCounter()
            cold = loadgen.load(off, "/api/auth/me/", "Bearer", files["ours"], mode["seconds"])
            cold_updates = updates.count()
            runs["ours, first uses"] = [cold]
            # Then steady state: every token used within the interval, as in a long run,
            # and (unrecorded) every worker's cache loaded with the 1,000 tokens.
            Token.objects.update(last_used_at=timezone.now())
            if pg:
                for port in (on, shipped) if shipped else (on,):
                    loadgen.load(
                        port, "/api/auth/me/", "Bearer", files["ours"], 2 * mode["seconds"]
                    )
            updates = _UpdateCounter()
            for _ in range(mode["rounds"]):
                for name, (port, path, scheme, file, *close) in cases.items():
                    runs[name].append(
                        loadgen.load(port, path, scheme, file, mode["seconds"], *close)
                    )
            warm_updates = updates.count()
        results[stack] = {name: _median_run(values) for name, values in runs.items()}
        results[stack]["updates"] = {"cold": cold_updates, "warm": warm_updates}
    return results


def _median_run(values: list[dict]) -> dict:
    values = sorted(values, key=lambda run: run["rps"])
    middle = values[len(values) // 2]
    cpu = sorted(v["cpu_us"] for v in values)
    return {
        **middle,
        "cpu_us": cpu[len(cpu) // 2],
        # The worst round: the target is an even split in every round.
        "busiest": max(v.get("busiest", 0.0) for v in values),
        "requests": sum(v["requests"] for v in values),
        "failed": sum(v["failed"] for v in values),
    }


class _UpdateCounter:
    """UPDATEs of the token table since creation (PostgreSQL statistics; on SQLite,
    tokens whose last_used_at moved, which within one interval is the same number)."""

    def __init__(self) -> None:
        self.started = timezone.now()
        self.before = self._stat()

    def _stat(self) -> int:
        if connection.vendor != "postgresql":
            return 0
        time.sleep(1.0)  # the servers' backends report their statistics about once a second
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'accounts_token'"
            )
            return cursor.fetchone()[0]

    def count(self) -> int:
        if connection.vendor != "postgresql":
            return Token.objects.filter(last_used_at__gt=self.started).count()
        return self._stat() - self.before


def _propagation(data: dict, mode: dict) -> dict:
    users = data["users"]
    raws = []
    for user in users[: mode["revocations"]]:
        _, raw = Token.objects.issue(user, name="revocation")
        raws.append(raw)

    def revoke(raw: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_token SET revoked_at = now() WHERE digest = %s",
                [tokens.digest(raw)],
            )

    logouts = []
    for user in users[: mode["revocations"]]:
        _, raw = Token.objects.issue(user, name="logout")
        logouts.append(raw)
    env = {"BENCH_STACK": "shipped", "ACCOUNTS_TOKEN_CACHE": "on", "DJANGO_LOG_LEVEL": "ERROR"}
    with (
        loadgen.server(env, workers=1, threads=2) as a,
        loadgen.server(env, workers=1, threads=2) as b,
    ):
        for port in (a, b):
            loadgen.get(port, "/api/auth/me/", f"Bearer {data['ours'][0]}")  # starts the listeners
        time.sleep(1.0)
        result = loadgen.propagation([a, b], raws, revoke)
        result["across"] = loadgen.across_servers(a, b, logouts)
        return result


def _table_growth(data: dict, mode: dict) -> dict:
    """authenticate() at 1,000 rows and at 1,000,000, each against DRF in the same round."""
    result = {}
    for label in ("1k", "1m"):
        if label == "1m":
            # One long statement: without the app's client-side read bound (authsite/db.py)
            # and its statement timeout (DJANGO_DB_STATEMENT_TIMEOUT), which would cancel it.
            with override_settings(DATABASE_READ_TIMEOUT=None), connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
                cursor.execute(
                    "INSERT INTO accounts_token (user_id, digest, prefix, name, kind, scopes,"
                    " created_at, revoked_reason, allowed_ips, leak_url)"
                    " SELECT %s, md5(i::text) || md5((-i)::text),"
                    " 'ast_' || left(md5(i::text), 8), '', 'login', '[]'::jsonb, now(), '',"
                    " '[]'::jsonb, ''"
                    " FROM generate_series(1, 999000) AS i",
                    [data["users"][0].pk],
                )
                cursor.execute("ANALYZE accounts_token")
                cursor.execute("RESET statement_timeout")
                cursor.execute("SELECT count(*) FROM accounts_token")
                rows = cursor.fetchone()[0]
        else:
            rows = Token.objects.count()
        measured = inprocess.measure(
            {
                "drf valid": (
                    DrfAuthentication(),
                    inprocess.requests_for([f"Token {k}" for k in data["drf"]]),
                    {},
                    True,
                ),
                "ours valid": (
                    TokenAuthentication(),
                    inprocess.requests_for([f"Bearer {r}" for r in data["ours"][1:]]),
                    OFF,
                    True,
                ),
            },  # fmt: skip
            mode["calls"],
            mode["inprocess_rounds"],
        )
        result[label] = {"rows": rows, **measured}
    return result


def _hashing(count: int = 5) -> dict:
    """Our argon2id profile against Django's default argon2 profile (ms per hash, median)."""
    import statistics

    from django.contrib.auth.hashers import Argon2PasswordHasher

    from accounts.passwords.hashers import Argon2idPasswordHasher

    result = {}
    for name, hasher in [("django", Argon2PasswordHasher()), ("ours", Argon2idPasswordHasher())]:
        samples = []
        for _ in range(count):
            start = time.perf_counter()
            hasher.encode("a benchmark passphrase", hasher.salt())
            samples.append(time.perf_counter() - start)
        result[name] = statistics.median(samples) * 1e3
    return result


def run(database: str, mode: dict, mode_name: str) -> dict:
    pg = connection.vendor == "postgresql"
    data = _populate()
    result = {"vendor": connection.vendor, "database_version": _version()}
    result["inprocess"] = _inprocess(data, mode, pg)
    stacks = ["shipped", "peers"] if mode_name == "full" else ["shipped"]
    result["http"] = _http(data, mode, pg, stacks)
    if pg:
        result["propagation"] = _propagation(data, mode)
        if mode_name == "full":
            result["growth"] = _table_growth(data, mode)
    if not pg and mode_name == "full":
        result["hashing"] = _hashing()
    listener.stop()
    return result


def _version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return cursor.fetchone()[0]
