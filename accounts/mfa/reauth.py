"""Re-authentication of a signed-in user: the password, and a code when MFA is on.

For an account with MFA on, a right password must not clear the login lock (only a
passed second factor does); otherwise "right password, wrong code" could be repeated
forever without reaching ACCOUNTS_LOGIN_MAX_FAILURES.
"""

from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.mfa import service

INVALID_CODE = _("Invalid code.")
CODE_REQUIRED = _("Enter a code from your authenticator app or a recovery code.")


def check_password(user, raw_password: str, request=None) -> bool:
    """lockout.check_password, except that a right password keeps an MFA account's lock."""
    return lockout.check_password(
        user, raw_password, request, clear_lock=not service.is_enabled(user)
    )


def check_code(user, code: str | None, request=None) -> list[str] | None:
    """Check the second factor of a re-authentication; return the errors for `code`, or None.

    Call it only after the password passed. A locked account's code fails like a wrong one.
    """
    if not service.is_enabled(user):
        return None
    if not code:
        return [str(CODE_REQUIRED)]
    if lockout.is_locked(user.email) or service.verify_factor(user, code, request) is None:
        service.failure(user, request, step="reauth")
        return [str(INVALID_CODE)]
    lockout.reset(user.email)
    return None
