import logging

import pytest
from django.core import mail
from django.test import Client
from django.utils.log import AdminEmailHandler
from django.views.debug import ExceptionReporter

pytestmark = pytest.mark.urls("tests.urls_boom")

SESSION_KEY = "a-session-key-that-must-not-leak"


@pytest.fixture
def failing_request(issued_token, caplog):
    """GET a view that raises, with a real token in the Authorization header."""
    raw = issued_token[1]
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = SESSION_KEY
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/boom/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    return raw, response, record


def test_a_500_report_redacts_the_authorization_header(failing_request):
    raw, response, record = failing_request
    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred."}
    report = ExceptionReporter(record.request, *record.exc_info, is_email=True)
    text = report.get_traceback_text()
    assert "HTTP_AUTHORIZATION" in text
    assert raw not in text
    assert raw not in report.get_traceback_html()
    assert "********************" in text
    assert SESSION_KEY not in text


def test_the_error_email_to_admins_holds_no_token(failing_request, settings):
    raw, _, record = failing_request
    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    AdminEmailHandler(include_html=True).emit(record)
    (message,) = mail.outbox
    assert "RuntimeError" in message.body
    assert raw not in message.body
    assert all(raw not in content for content, _ in message.alternatives)


def test_the_debug_error_page_holds_no_token(issued_token, settings):
    settings.DEBUG = True
    raw = issued_token[1]
    client = Client(raise_request_exception=False)
    response = client.get("/api/boom/", HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    assert raw.encode() not in response.content
    assert b"HTTP_AUTHORIZATION" in response.content
