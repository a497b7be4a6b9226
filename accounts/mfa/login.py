"""The two-step login: a password step that opens a challenge, a code step that closes it."""

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import lockout, security_log
from accounts.mfa import codes, notify, service
from accounts.mfa.models import Challenge
from accounts.models import Token


def challenge_for(user, request, name: str) -> dict | None:
    """The pending-login body when the user needs a second factor, else None.

    The one question the core login asks of MFA, after the password passed.
    """
    if not service.is_enabled(user):
        return None
    challenge, raw = Challenge.objects.issue(user, token_name=name)
    security_log.event("mfa.challenge", request, user_id=user.pk)
    return {
        "mfa_required": True,
        "mfa_token": raw,
        "methods": service.methods(user),
        "expires_at": challenge.expires_at,
    }


def check_code(challenge: Challenge, code: str, request) -> str | None:
    """Check a code against a live challenge; return the method that passed, or None.

    The attempt is counted first, so the cap holds under parallel requests; a locked
    account fails exactly like a wrong code and spends nothing.
    """
    user = challenge.user
    if lockout.is_locked(user.email):
        return None
    if challenge.verify_email_code(code):
        return service.EMAIL
    return service.verify_factor(user, code, request)


def complete(challenge: Challenge, request) -> tuple[Token, str] | None:
    """Use the challenge up and issue the token; None when another request used it first."""
    user = challenge.user
    # At the token cap (a 403), the challenge stays usable once tokens are revoked.
    with transaction.atomic():
        if not challenge.consume():
            return None
        token, raw = Token.objects.issue(user, name=challenge.token_name)
    lockout.reset(user.email)
    user_logged_in.send(sender=type(user), request=request._request, user=user)
    return token, raw


def send_email_code(challenge: Challenge) -> bool:
    """Email a new 6-digit code for this challenge; False once the cap is reached."""
    code = codes.new_email_code()
    if not challenge.set_email_code(code):
        return False
    notify.send(
        challenge.user,
        _("Your sign-in code"),
        _(
            "Your sign-in code is %(code)s. It expires in 10 minutes. If you did not try to "
            "sign in, change your password."
        )
        % {"code": code},
        carries_code=True,
    )
    return True
