"""Emails to the user about their second factor, sent through one function."""

from django.conf import settings
from django.core.mail import send_mail


def send(user, subject: str, body: str) -> None:
    """Email the user; the one place MFA mail leaves the app (switch to a queue here)."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
