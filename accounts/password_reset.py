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

from accounts.models import User

logger = logging.getLogger(__name__)


def _eligible_user(email: str) -> User | None:
    # As Django's PasswordResetForm: no codes for inactive users or unusable passwords.
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    return user if user is not None and user.has_usable_password() else None


def _message(user: User, request) -> EmailMessage:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    now = timezone.now()
    context = {
        "email": user.email,
        "uid": uid,
        "token": default_token_generator.make_token(user),
        "confirm_url": request.build_absolute_uri(reverse("accounts:password-reset-confirm")),
        # timeuntil() joins with no-break spaces, which plain-text mail readers may garble.
        "valid_for": timeuntil(
            now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT), now
        ).replace("\xa0", " "),
    }
    subject = render_to_string("accounts/password_reset_subject.txt", context).strip()
    body = render_to_string("accounts/password_reset_email.txt", context)
    return EmailMessage(subject, body, to=[user.email])


def send_reset_email(email: str, request) -> None:
    """Email a reset code to the account with this email, if there is one that may reset.

    Known and unknown emails do the same work (one query, one code, one rendered
    message) so that the response time does not tell them apart; only the
    hand-off to the email backend is skipped for an unknown email.
    """
    user = _eligible_user(email)
    # An unsaved stand-in gets a code too, so both paths run the generator.
    message = _message(user or User(email=User.objects.normalize_email(email)), request)
    if user is None:
        return
    try:
        message.send()
    except Exception:
        # A failing mail server must not turn into a 500 that only existing accounts get.
        logger.exception("Could not send a password reset email.")


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
