"""accounts/http/after_response.py: work queued in a request runs once its response is sent."""

import logging

import pytest
from django.core.signals import request_finished

from accounts.http import after_response


@pytest.mark.django_db
def test_deferred_work_runs_in_order_on_request_finished_and_a_failure_stops_nothing(caplog):
    ran = []

    def boom():
        raise RuntimeError("deferred failure")

    after_response.defer(lambda: ran.append("first"))
    after_response.defer(boom)
    after_response.defer(lambda: ran.append("last"))
    assert ran == []
    with caplog.at_level(logging.ERROR, logger="accounts.http.after_response"):
        request_finished.send(sender=None)
    assert ran == ["first", "last"]
    assert "deferred" in caplog.text.lower()
    # Run once: the next request starts with nothing queued.
    request_finished.send(sender=None)
    assert ran == ["first", "last"]
