"""Outgoing email, sent by a task worker so that no request waits for the mail server.

Requests enqueue; `manage.py db_worker` sends (docs/email.md). With debug on (and in
the tests) the immediate backend runs each task inside the request instead, so the
console shows the email at once and `django.core.mail.outbox` collects it.
The backport's API is Django 6's `django.tasks`; moving to it is an import change.
"""

import logging
import smtplib

from django.core.mail import EmailMessage
from django_tasks import task

from accounts.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)


@task()
def _send_email(to: list[str], subject: str, body: str) -> None:
    EmailMessage(subject, body, to=to).send()


def send_email_now(to: list[str] | str, subject: str, body: str) -> None:
    """Send inside the request: only for a one-time code, which must never sit in the queue.

    A mail server that fails is a 503 for the client, logged once, never a 500.
    """
    try:
        EmailMessage(subject, body, to=[to] if isinstance(to, str) else list(to)).send()
    except (OSError, smtplib.SMTPException):
        logger.warning("Could not send an email with a one-time code.")
        raise ServiceUnavailable() from None


def send_email(to: list[str] | str, subject: str, body: str) -> None:
    """Queue a plain-text email; never use it for secrets, which would be stored in the queue."""
    _send_email.enqueue([to] if isinstance(to, str) else list(to), subject, body)
