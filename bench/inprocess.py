"""In-process authenticate(): microseconds and queries per call, interleaved rounds."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.tokens import last_used

_factory = APIRequestFactory()


def requests_for(header_values: list[str]) -> list[Request]:
    return [Request(_factory.get("/", HTTP_AUTHORIZATION=value)) for value in header_values]


def _call(authenticator, request) -> bool:
    try:
        return authenticator.authenticate(request) is not None
    except AuthenticationFailed:
        return False


def _one_round(authenticator, requests: list[Request], calls: int, settings: dict) -> float:
    with override_settings(**settings):
        start = time.perf_counter()
        for n in range(calls):
            _call(authenticator, requests[n % len(requests)])
            # What request_finished does after each response (a write once per interval).
            last_used.flush()
        return (time.perf_counter() - start) / calls


def queries_per_call(authenticator, requests: list[Request], settings: dict) -> float:
    with override_settings(**settings), CaptureQueriesContext(connection) as captured:
        for request in requests[:20]:
            _call(authenticator, request)
            last_used.flush()
    return len(captured) / min(20, len(requests))


def measure(cases: dict, calls: int, rounds: int) -> dict:
    """cases: name -> (authenticator, requests, settings, expect_success); µs per call.

    The fastest round counts: on a shared machine other processes only ever add time.
    """
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for name, (auth, requests, settings, expected) in cases.items():
        with override_settings(**settings):
            outcome = _call(auth, requests[0])
        assert outcome == expected, (name, outcome)
        # Warm up: every token once (its last_used_at write and the cache's first load).
        _one_round(auth, requests, max(calls // 4, len(requests)), settings)
    for _ in range(rounds):
        for name, (auth, requests, settings, _) in cases.items():
            samples[name].append(_one_round(auth, requests, calls, settings))
    return {
        name: {
            "us": min(values) * 1e6,
            "queries": queries_per_call(cases[name][0], cases[name][1], cases[name][2]),
        }
        for name, values in samples.items()
    }
