"""MFA's reactions to the account's lifecycle events (accounts.signals, accounts.mfa.signals).

Connected by MfaConfig.ready(). A pending login was opened by a password that may no
longer be the owner's, or by a session the owner has just ended everywhere: each of these
events ends every pending login of the account, API and browser alike.
"""

from django.utils.translation import gettext as _

from accounts import signals
from accounts.mfa import service
from accounts.mfa.models import Challenge
from accounts.mfa.signals import mfa_reset


def end_pending_logins(sender, user, **kwargs) -> None:
    Challenge.objects.end_for(user)


def add_reset_note(sender, user, notes: list, **kwargs) -> None:
    if service.is_enabled(user):
        notes.append(
            _(
                "This account has multi-factor authentication on: with the new password, also "
                'send "code", a current code of your authenticator app or one of your unused '
                "recovery codes. A code emailed to you is not accepted. If you have neither, "
                "ask an administrator to reset your multi-factor authentication first."
            )
        )


def connect() -> None:
    uid = "accounts.mfa"
    for signal, name in (
        (signals.password_changed, "password_changed"),
        (signals.tokens_revoked_all, "tokens_revoked_all"),
        (signals.user_deactivated, "user_deactivated"),
        (mfa_reset, "mfa_reset"),
    ):
        signal.connect(end_pending_logins, dispatch_uid=f"{uid}.{name}")
    signals.password_reset_email.connect(add_reset_note, dispatch_uid=f"{uid}.reset_email")
