"""Outgoing email, sent by a task worker so that no request waits for the mail server.

Requests enqueue; `manage.py db_worker` sends (docs/email.md). With debug on (and in
the tests) the immediate backend runs each task inside the request instead, so the
console shows the email at once and `django.core.mail.outbox` collects it.
The backport's API is Django 6's `django.tasks`; moving to it is an import change.
"""

import logging

from django.core.mail import EmailMessage
from django_tasks import task

from accounts.password_reset import reset_message

logger = logging.getLogger(__name__)


@task()
def _send_email(to: list[str], subject: str, body: str) -> None:
    EmailMessage(subject, body, to=to).send()


def send_email(to: list[str] | str, subject: str, body: str) -> None:
    """Queue a plain-text email; never use it for secrets, which would be stored in the queue."""
    _send_email.enqueue([to] if isinstance(to, str) else list(to), subject, body)


@task()
def _send_password_reset(email: str, confirm_url: str | None) -> None:
    message = reset_message(email, confirm_url)
    if message is None:
        return  # no account that may reset: nothing to send, and nothing said about it
    try:
        message.send()
    except Exception:
        logger.exception("Could not send a password reset email.")
        raise


def send_password_reset(email: str, confirm_url: str | None) -> None:
    """Queue a reset email for whichever account has this email, if any.

    Known and unknown emails enqueue the same task, so the request does the same
    work either way; the worker looks the account up and makes the code, which is
    therefore never stored in the queue.
    """
    _send_password_reset.enqueue(email, confirm_url)
