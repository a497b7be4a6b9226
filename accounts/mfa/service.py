"""What the rest of the project may ask of MFA: is it on, which methods, check a code.

The core asks only `is_enabled(user)` ("does this user need a second factor?") and
calls the re-authentication helpers; everything else stays inside accounts.mfa.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import lockout, security_log
from accounts.mfa import notify
from accounts.mfa.models import Authenticator, Challenge, RecoveryCode

TOTP = "totp"
RECOVERY_CODE = "recovery_code"
EMAIL = "email"


def is_enabled(user) -> bool:
    """Whether the user has MFA on, so a password alone must not log them in."""
    if user is None or not getattr(user, "pk", None):
        return False
    return Authenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()


def recovery_codes_remaining(user) -> int:
    return RecoveryCode.objects.filter(user=user).unused().count()


def methods(user) -> list[str]:
    """The second factors the user may use now: [] when MFA is off."""
    if not is_enabled(user):
        return []
    found = [TOTP]
    if recovery_codes_remaining(user):
        found.append(RECOVERY_CODE)
    found.append(EMAIL)
    return found


def _confirmed_authenticator(user) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, confirmed_at__isnull=False).first()


def verify_factor(user, code: str, request=None) -> str | None:
    """Check a TOTP code or an unused recovery code (spending it); return which, or None."""
    authenticator = _confirmed_authenticator(user)
    if authenticator is None or not code:
        return None
    if authenticator.verify(code):
        return TOTP
    if RecoveryCode.objects.use(user, code):
        recovery_code_used(user, request)
        return RECOVERY_CODE
    return None


def recovery_code_used(user, request=None) -> None:
    remaining = recovery_codes_remaining(user)
    security_log.event("mfa.recovery_code_used", request, user_id=user.pk, remaining=remaining)
    notify.send(
        user,
        _("A recovery code was used"),
        _(
            "A recovery code was just used to sign in to your account. %(remaining)d remain. "
            "If this was not you, change your password and create new recovery codes."
        )
        % {"remaining": remaining},
    )


def failure(user, request=None, **fields) -> None:
    """A wrong second factor: a login failure for the account's lock, and an event."""
    lockout.record_failure(user.email, request)
    security_log.event(
        "mfa.failure", request, user_id=user.pk, locked=lockout.is_locked(user.email), **fields
    )


def enable(authenticator: Authenticator, request=None) -> list[str]:
    """Turn MFA on with a confirmed authenticator; return the first recovery codes."""
    user = authenticator.user
    with transaction.atomic():
        Authenticator.objects.filter(pk=authenticator.pk).update(confirmed_at=timezone.now())
        raw_codes = RecoveryCode.objects.regenerate(user)
    security_log.event("mfa.enabled", request, user_id=user.pk)
    notify.send(
        user,
        _("Multi-factor authentication is on"),
        _(
            "Multi-factor authentication was turned on for your account. If this was not you, "
            "contact us at once."
        ),
    )
    return raw_codes


def disable(user, request=None, event: str = "mfa.disabled", **fields) -> None:
    """Turn MFA off: delete the secret, the recovery codes and pending logins."""
    with transaction.atomic():
        Authenticator.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        Challenge.objects.filter(user=user).delete()
    security_log.event(event, request, user_id=user.pk, **fields)
    notify.send(
        user,
        _("Multi-factor authentication is off"),
        _(
            "Multi-factor authentication was turned off for your account. If this was not you, "
            "change your password and contact us at once."
        ),
    )
