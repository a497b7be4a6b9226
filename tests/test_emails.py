"""Email is queued by requests and sent by the worker (accounts/mail/delivery.py, docs/email.md)."""

import asyncio
import statistics
import threading
import time

import pytest
from aiosmtpd.smtp import SMTP
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.mail.delivery import send_email
from accounts.models import User

RESET = "/api/auth/password/reset/"
RESET_TASK = "accounts.passwords.reset._send_password_reset"
# A mail server's answer to DATA; a request that waited for it would be this much slower.
SMTP_DELAY = 0.03


class _Sink:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(SMTP_DELAY)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_sink(settings):
    """An SMTP server on a kernel-chosen port of 127.0.0.1, as Django's SMTP backend's peer."""
    sink, loop = _Sink(), asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(sink), "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.sockets[0].getsockname()[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield sink
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture
def queued(settings):
    """The production set-up: tasks go to the database for `manage.py db_worker`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ACCOUNTS_PASSWORD_RESET_RATE = None


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_queued_email_arrives_once_the_worker_runs(queued, smtp_sink):
    send_email("ada@example.com", "Hello", "A plain message.")
    send_email(["bob@example.com", "eve@example.com"], "Hi", "Another.")
    assert smtp_sink.messages == []
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    _run_worker()
    assert [m.rcpt_tos for m in smtp_sink.messages] == [
        ["ada@example.com"],
        ["bob@example.com", "eve@example.com"],
    ]
    assert b"A plain message." in smtp_sink.messages[0].content
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["known", "unknown", "inactive", "unusable"])
def test_a_reset_request_only_enqueues_the_same_task(queued, smtp_sink, monkeypatch, case):
    user = User.objects.create_user("alice@example.com", "correct horse battery staple 42")
    if case == "inactive":
        user.is_active = False
    elif case == "unusable":
        user.set_unusable_password()
    user.save()
    DBTaskResult.objects.all().delete()  # the setup's own "password changed" notice
    email = "nobody@example.com" if case == "unknown" else user.email
    made = []
    original = default_token_generator.make_token
    monkeypatch.setattr(
        default_token_generator, "make_token", lambda u: made.append(u) or original(u)
    )
    response = APIClient().post(RESET, {"email": email}, format="json")
    assert response.status_code == 202
    # The request looks nothing up and makes no code: one row in the queue, whoever asked.
    assert made == []
    (queued_task,) = DBTaskResult.objects.all()
    assert queued_task.task_path == RESET_TASK
    # The code is made by the worker, so it is never stored in the queue.
    assert queued_task.args_kwargs["args"][0] == email
    _run_worker()
    assert len(made) == (1 if case == "known" else 0)
    assert [m.rcpt_tos for m in smtp_sink.messages] == ([[user.email]] if case == "known" else [])
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_reset_timing_does_not_tell_known_from_unknown_emails(queued, smtp_sink, capsys):
    User.objects.create_user("alice@example.com", "correct horse battery staple 42")
    client = APIClient()
    timings: dict[str, list[float]] = {"alice@example.com": [], "nobody@example.com": []}
    for i in range(200):
        # Interleaved, alternating which goes first, so machine noise hits both alike.
        order = list(timings) if i % 2 else list(reversed(timings))
        for email in order:
            start = time.perf_counter()
            response = client.post(RESET, {"email": email}, format="json")
            timings[email].append(time.perf_counter() - start)
            assert response.status_code == 202
    known, unknown = (statistics.median(t) * 1000 for t in timings.values())
    with capsys.disabled():
        print(f"\nreset request medians: known {known:.2f} ms, unknown {unknown:.2f} ms")
    assert smtp_sink.messages == []  # nothing was sent while requests waited
    # Far below the mail server's own delay (SMTP_DELAY, 30 ms), which a send would add.
    assert abs(known - unknown) < 3
