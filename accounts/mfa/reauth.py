"""Re-authentication of a signed-in user: the password, and a code when MFA is on.

For an account with MFA on, a right password must not clear the login lock (only a
passed second factor does); otherwise "right password, wrong code" could be repeated
forever without reaching ACCOUNTS_LOGIN_MAX_FAILURES.
"""

from django.utils.translation import gettext_lazy as _

from accounts.mfa import service
from accounts.mfa.models import PasskeyCeremony
from accounts.mfa.passkeys import PROOF_PREFIX

INVALID_CODE = _("Invalid code.")
CODE_REQUIRED = _("Enter a code from your authenticator app or a recovery code.")


def check_code(user, code: str | None, request=None, *, step: str = "reauth") -> list[str] | None:
    """Check the second factor of a re-authentication; return the errors for `code`, or None.

    Call it only after the password (or the reset code) passed. Only the authenticator, a
    recovery code (spent) or, signed in, the one-time code of a passkey check
    (POST /api/auth/passkeys/reauth/) count: an emailed sign-in code proves the mailbox,
    which a password reset has already used. A locked account's code fails like a wrong one.
    """
    if not service.is_enabled(user):
        return None
    if not code:
        return [str(CODE_REQUIRED)]
    if step == "reauth" and code.startswith(PROOF_PREFIX):
        # Minted for this user by a passing passkey assertion; single use.
        check = lambda: (  # noqa: E731
            service.PASSKEY if PasskeyCeremony.objects.spend_proof(user, code) else None
        )
    else:
        check = lambda: service.verify_factor(user, code, request)  # noqa: E731
    if service.checked_attempt(user, request, step, check) is None:
        return [str(INVALID_CODE)]
    return None
