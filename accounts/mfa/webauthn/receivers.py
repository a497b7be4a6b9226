"""Passkeys' reactions to the account's lifecycle: an MFA reset removes every factor,
passkeys included; a new password, a logout everywhere or a deactivation ends the user's
open ceremonies, and with them any unused re-authentication code of a passkey check."""

from accounts import signals
from accounts.mfa.models import Passkey, PasskeyCeremony
from accounts.mfa.signals import mfa_reset


def remove_passkeys(sender, user, **kwargs) -> None:
    Passkey.objects.filter(user=user).delete()
    PasskeyCeremony.objects.filter(user=user).delete()


def end_ceremonies(sender, user, **kwargs) -> None:
    PasskeyCeremony.objects.filter(user=user).delete()


def connect() -> None:
    uid = "accounts.mfa.webauthn"
    mfa_reset.connect(remove_passkeys, dispatch_uid=f"{uid}.mfa_reset")
    for signal, name in (
        (signals.password_changed, "password_changed"),
        (signals.tokens_revoked_all, "tokens_revoked_all"),
        (signals.user_deactivated, "user_deactivated"),
    ):
        signal.connect(end_ceremonies, dispatch_uid=f"{uid}.{name}")
