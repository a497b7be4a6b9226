"""A database outage as a client sees it: how fast the 503s come, and how fast service returns.

`make bench-outage` (also the last step of `make bench`). One gunicorn server with the
shipped worker model (2 gthread workers x 4 threads) on a PostgreSQL and a Redis of its
own (initdb'd in a temporary directory as the postgres user, so root only; the shared
ones are never touched). Each round stops PostgreSQL, sends a burst so that every
worker meets the outage, then times sequential `GET /api/auth/me/` and `GET /healthz`
requests until the database returns, and the time until every worker serves again.
Prints the figures; nothing here asserts, the targets are in docs/performance.md.
"""

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.multinode.conftest import (  # noqa: E402  (after the path above)
    PASSWORD,
    Postgres,
    Redis,
    Server,
    _as_postgres,
    app_env,
    migrate,
)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _timed(call) -> tuple[float, int]:
    started = time.monotonic()
    status = call().status
    return time.monotonic() - started, status


def _round(server: Server, postgres: Postgres, token: str, requests: int) -> dict:
    me = lambda: server.request("GET", "/api/auth/me/", token=token)  # noqa: E731
    postgres.stop()
    stopped = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            first = list(pool.map(lambda _: _timed(me), range(32)))
        time.sleep(1.0)  # every worker has logged the outage and opened its breaker
        later = [_timed(me) for _ in range(requests)]
        healthz = [_timed(lambda: server.request("GET", "/healthz")) for _ in range(requests)]
    finally:
        postgres.start()
    returned = time.monotonic()
    # Served again: eight requests in a row answered 200, so both workers are back.
    while True:
        if all(me().status == 200 for _ in range(8)):
            break
        if time.monotonic() - returned > 30:
            raise TimeoutError("the server did not recover within 30 s")
        time.sleep(0.01)
    recovery = time.monotonic() - returned
    return {
        "outage_s": returned - stopped,
        "first_statuses": sorted({status for _, status in first}),
        "first_max_ms": max(t for t, _ in first) * 1000,
        "later_statuses": sorted({status for _, status in later}),
        "later_p50_ms": statistics.median(t for t, _ in later) * 1000,
        "later_p99_ms": _percentile([t for t, _ in later], 0.99) * 1000,
        "later_max_ms": max(t for t, _ in later) * 1000,
        "healthz_statuses": sorted({status for _, status in healthz}),
        "healthz_p99_ms": _percentile([t for t, _ in healthz], 0.99) * 1000,
        "healthz_max_ms": max(t for t, _ in healthz) * 1000,
        "recovery_s": recovery,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per kind")
    args = parser.parse_args()
    postgres, redis = Postgres(), Redis()
    server = None
    try:
        postgres.start()
        result = _as_postgres(
            str(postgres.bin / "createdb"), "-h", "127.0.0.1", "-p", str(postgres.port), "authsite"
        )
        assert result.returncode == 0, result.stderr
        redis.start()
        tmp = Path(tempfile.mkdtemp(prefix="authsite-bench-outage-"))
        env = app_env(
            tmp,
            DATABASE_URL=postgres.url,
            REDIS_URL=redis.url,
            DJANGO_DB_CONNECT_TIMEOUT="2",
            DJANGO_DB_POOL_TIMEOUT="2",
        )
        migrate(env)
        server = Server(env, tmp / "gunicorn.log")
        email = "outage@example.com"
        server.request("POST", "/api/auth/register/", data={"email": email, "password": PASSWORD})
        token = server.login(email, PASSWORD)
        rounds = [_round(server, postgres, token, args.requests) for _ in range(args.rounds)]
    finally:
        if server is not None:
            server.stop()
        redis.stop()
        postgres.cleanup()
    print("## Database outage (bench/outage.py)\n")
    print(
        f"One server, 2 gthread workers x 4 threads, PostgreSQL stopped {args.rounds} times; "
        f"{args.requests} sequential requests of each kind per round, new connection each.\n"
    )
    print(
        "| round | burst statuses (max ms) | later /me statuses | p50 ms | p99 ms | max ms "
        "| /healthz statuses | p99 ms | max ms | recovery s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, r in enumerate(rounds, 1):
        print(
            f"| {n} | {r['first_statuses']} ({r['first_max_ms']:.0f}) | {r['later_statuses']} "
            f"| {r['later_p50_ms']:.1f} | {r['later_p99_ms']:.1f} | {r['later_max_ms']:.1f} "
            f"| {r['healthz_statuses']} | {r['healthz_p99_ms']:.1f} | {r['healthz_max_ms']:.1f} "
            f"| {r['recovery_s']:.2f} |"
        )


if __name__ == "__main__":
    main()
