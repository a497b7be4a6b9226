"""What the rest of the project may ask of MFA: is it on, which methods, check a code.

The core asks only `is_enabled(user)` ("does this user need a second factor?") and
calls the re-authentication helpers; everything else stays inside accounts.mfa.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import security_log
from accounts.mfa import notify
from accounts.mfa.conf import webauthn_settings
from accounts.mfa.models import Authenticator, Passkey, RecoveryCode
from accounts.mfa.signals import mfa_reset
from accounts.ratelimit import lockout

TOTP = "totp"
RECOVERY_CODE = "recovery_code"
EMAIL = "email"
PASSKEY = "passkey"


def is_enabled(user) -> bool:
    """Whether the user has MFA on, so a password alone must not log them in."""
    if user is None or not getattr(user, "pk", None):
        return False
    # A passkey is a second factor too: adding one turns MFA on (accounts/mfa/webauthn).
    return (
        Authenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()
        or Passkey.objects.filter(user=user).exists()
    )


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()


def has_passkeys(user) -> bool:
    """Whether the user can use a passkey now (they have one and passkeys are switched on)."""
    return bool(webauthn_settings.ENABLED) and Passkey.objects.filter(user=user).exists()


def recovery_codes_remaining(user) -> int:
    return RecoveryCode.objects.filter(user=user).unused().count()


def methods(user) -> list[str]:
    """The second factors the user may use now: [] when MFA is off."""
    if not is_enabled(user):
        return []
    found = [TOTP] if has_totp(user) else []
    if has_passkeys(user):
        found.append(PASSKEY)
    if recovery_codes_remaining(user):
        found.append(RECOVERY_CODE)
    found.append(EMAIL)
    return found


def _confirmed_authenticator(user) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, confirmed_at__isnull=False).first()


def verify_factor(user, code: str, request=None) -> str | None:
    """Check a TOTP code or an unused recovery code (spending it); return which, or None."""
    if not code or not is_enabled(user):
        return None
    authenticator = _confirmed_authenticator(user)
    if authenticator is not None and authenticator.verify(code):
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


def checked_attempt(user, request, step: str, check, *, clear_lock: bool = True) -> str | None:
    """Run `check()` (which returns the passing method or None) as one counted attempt.

    The attempt is counted against the account lock *before* the code is checked, with
    the same atomic claim as a password (lockout.claim_attempt), so parallel wrong codes
    never make more than ACCOUNTS_LOGIN_MAX_FAILURES real checks in a window. A locked
    account fails like a wrong code: nothing is checked and nothing is spent. A pass
    clears the failures (`clear_lock`) or only gives its own count back.
    """
    number = lockout.claim_attempt(user.email, request)
    method = None if number is None else check()
    if method is None:
        if number is not None:
            lockout.attempt_failed(user.email, request)
        security_log.event(
            "mfa.failure", request, user_id=user.pk, locked=lockout.is_locked(user.email), step=step
        )
        return None
    if clear_lock:
        lockout.reset(user.email)
    else:
        lockout.release_attempt(user.email)
    return method


def enable(authenticator: Authenticator, request=None) -> list[str]:
    """Turn MFA on with a confirmed authenticator; return the first recovery codes."""
    user = authenticator.user
    with transaction.atomic():
        Authenticator.objects.filter(pk=authenticator.pk).update(confirmed_at=timezone.now())
        raw_codes = RecoveryCode.objects.regenerate(user)
    announce_enabled(user, request)
    return raw_codes


def announce_enabled(user, request=None) -> None:
    """Log and email that MFA is now on for the user."""
    security_log.event("mfa.enabled", request, user_id=user.pk)
    notify.send(
        user,
        _("Multi-factor authentication is on"),
        _(
            "Multi-factor authentication was turned on for your account. If this was not you, "
            "contact us at once."
        ),
    )


def disable(user, request=None, event: str = "mfa.disabled", **fields) -> None:
    """Turn MFA off: delete the secret and the recovery codes, and announce it (mfa_reset),
    which ends the pending logins (accounts.mfa.receivers) and lets other methods go too."""
    with transaction.atomic():
        Authenticator.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        mfa_reset.send(type(user), user=user, request=request, **fields)
    security_log.event(event, request, user_id=user.pk, **fields)
    notify.send(
        user,
        _("Multi-factor authentication is off"),
        _(
            "Multi-factor authentication was turned off for your account. If this was not you, "
            "change your password and contact us at once."
        ),
    )
