"""Emails to the user about their second factor, sent through one function."""

from accounts.mail.delivery import send_email, send_email_now


def send(user, subject: str, body: str, *, carries_code: bool = False) -> None:
    """Email the user (accounts/mail/delivery.py); the one place MFA mail leaves the app.

    A message carrying a code is sent at once: queued, the code would be stored in clear.
    """
    (send_email_now if carries_code else send_email)(user.email, subject, body)
