"""Print what authentication costs: per request, per query, per password hash.

Run with `make bench` (SQLite in a temporary file, or DATABASE_URL). Every
figure is compared with a baseline measured in the same run, because this
machine is shared and absolute times vary:

- an authenticated GET /api/auth/me/ with our Bearer token against the same view
  behind DRF's authtoken (plaintext key as primary key);
- a forged token (rejected by its checksum, no query) against an unknown
  well-formed one (one query);
- our argon2id profile against Django's default argon2 profile.
"""

import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token as DrfToken  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts import tokens  # noqa: E402
from accounts.hashers import Argon2idPasswordHasher  # noqa: E402
from accounts.models import Token, User  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))
HASHES = int(os.environ.get("BENCH_HASHES", "10"))


def _time_requests(client: APIClient, path: str, header: str, expected: int) -> list[float]:
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(path, HTTP_AUTHORIZATION=header)
        samples.append(time.perf_counter() - start)
        assert response.status_code == expected, response.status_code
    return samples


def _interleaved(client: APIClient, cases: list[tuple[str, str, int]]) -> list[list[float]]:
    """Time several cases in alternating rounds, so machine noise hits them alike."""
    results: list[list[float]] = [[] for _ in cases]
    rounds = 10
    for _ in range(rounds):
        for samples, (path, header, expected) in zip(results, cases, strict=True):
            for _ in range(max(1, REQUESTS // rounds)):
                start = time.perf_counter()
                response = client.get(path, HTTP_AUTHORIZATION=header)
                samples.append(time.perf_counter() - start)
                assert response.status_code == expected, response.status_code
    return results


def _queries(client: APIClient, path: str, header: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(path, HTTP_AUTHORIZATION=header)
    return len(captured)


def _report(label: str, samples: list[float], baseline: float | None = None) -> float:
    median = statistics.median(samples) * 1e6
    p95 = statistics.quantiles(samples, n=20)[-1] * 1e6
    ratio = f"  ratio {median / baseline:.2f}" if baseline else ""
    print(f"{label:<46} median {median:8.0f} us  p95 {p95:8.0f} us{ratio}")
    return median


def main() -> None:
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench@example.com", "a benchmark passphrase")
    _, raw = Token.objects.issue(user, name="bench")
    drf_key = DrfToken.objects.create(user=user).key
    client = APIClient()
    ours = f"Bearer {raw}"
    # Warm up both paths (URL resolver, imports, last_used_at write).
    _time_requests(client, "/api/auth/me/", ours, 200)
    _time_requests(client, "/drf/me/", f"Token {drf_key}", 200)

    print(f"database: {connection.vendor}, {REQUESTS} requests per row\n")
    print("Authenticated GET /api/auth/me/ (in-process, full Django stack)")
    drf, mine = _interleaved(
        client, [("/drf/me/", f"Token {drf_key}", 200), ("/api/auth/me/", ours, 200)]
    )
    base = _report("DRF authtoken (baseline)", drf)
    _report("authsite Bearer token", mine, base)
    print(
        f"queries per request: authsite {_queries(client, '/api/auth/me/', ours)}, "
        f"DRF authtoken {_queries(client, '/drf/me/', f'Token {drf_key}')}\n"
    )

    print("Rejected tokens")
    forged = "Bearer " + tokens.PREFIX + "A" * (tokens.LENGTH - len(tokens.PREFIX))
    unknown, rejected = _interleaved(
        client,
        [("/api/auth/me/", f"Bearer {tokens.generate()}", 401), ("/api/auth/me/", forged, 401)],
    )
    base = _report("unknown well-formed token (baseline, 1 query)", unknown)
    _report("forged token, bad checksum (0 queries)", rejected, base)
    print(f"queries for a forged token: {_queries(client, '/api/auth/me/', forged)}\n")

    tracemalloc.start()
    client.get("/api/auth/me/", HTTP_AUTHORIZATION=ours)
    tracemalloc.reset_peak()
    client.get("/api/auth/me/", HTTP_AUTHORIZATION=ours)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak Python memory for one authenticated request: {peak / 1024:.0f} KiB\n")

    print(f"Password hashing ({HASHES} hashes each)")
    results = {}
    for label, hasher in [
        ("Django default argon2 (baseline)", Argon2PasswordHasher()),
        ("authsite argon2id t=3 m=64MiB p=2", Argon2idPasswordHasher()),
    ]:
        samples = []
        for _ in range(HASHES):
            start = time.perf_counter()
            hasher.encode("a benchmark passphrase", hasher.salt())
            samples.append(time.perf_counter() - start)
        results[label] = statistics.median(samples) * 1e3
    base_ms = results["Django default argon2 (baseline)"]
    for label, ms in results.items():
        print(f"{label:<46} median {ms:8.1f} ms  ratio {ms / base_ms:.2f}")


if __name__ == "__main__":
    main()
