"""Password reset by email: single-use, time-limited codes from Django's token generator."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.timesince import timeuntil
from django_tasks import task

from accounts.models import User
from accounts.signals import password_reset_email

logger = logging.getLogger(__name__)


def _eligible_user(email: str) -> User | None:
    # As Django's PasswordResetForm: no codes for inactive users or unusable passwords.
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    return user if user is not None and user.has_usable_password() else None


def confirm_url(request) -> str | None:
    """The reset confirmation URL on DJANGO_PUBLIC_URL, never on the request's Host.

    A Host header is the client's to choose: a link built from it could send the code
    to an attacker's site. Only with debug on, for development, does the request stand
    in for a missing DJANGO_PUBLIC_URL; otherwise the email gives the code alone.
    """
    path = reverse("accounts:password-reset-confirm")
    if settings.PUBLIC_URL:
        return settings.PUBLIC_URL + path
    return request.build_absolute_uri(path) if settings.DEBUG else None


def reset_message(email: str, confirm_url: str | None) -> EmailMessage | None:
    """The reset email for the account with this email, or None if none may reset."""
    user = _eligible_user(email)
    if user is None:
        return None
    now = timezone.now()
    context = {
        "email": user.email,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "confirm_url": confirm_url,
        "confirm_path": reverse("accounts:password-reset-confirm"),
        # timeuntil() joins with no-break spaces, which plain-text mail readers may garble.
        "valid_for": timeuntil(
            now + timedelta(seconds=int(settings.PASSWORD_RESET_TIMEOUT or 0)), now
        ).replace("\xa0", " "),
    }
    # Features add what the owner must know, e.g. that a second factor will be asked for.
    notes: list[str] = []
    password_reset_email.send(sender=User, user=user, notes=notes)
    context["notes"] = notes
    subject = render_to_string("accounts/password_reset_subject.txt", context).strip()
    body = render_to_string("accounts/password_reset_email.txt", context)
    return EmailMessage(subject, body, to=[user.email])


def user_from_code(uid: str, token: str) -> User | None:
    """Return the active user whose valid reset code this is, or None."""
    try:
        pk = int(urlsafe_base64_decode(uid).decode())
        if not 0 < pk < 2**63:  # beyond a bigint, PostgreSQL would refuse the query
            return None
        user = User.objects.get(pk=pk, is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None


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
