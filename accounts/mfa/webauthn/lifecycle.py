"""A passkey's arrival and departure: the event log and the owner's security email."""

from django.utils.translation import gettext as _

from accounts import security_log
from accounts.mfa import notify, service
from accounts.mfa.models import Passkey, RecoveryCode


def added(passkey: Passkey, request=None) -> None:
    """Log the new passkey and email its owner."""
    user = passkey.user
    security_log.event(
        "passkey.added",
        request,
        user_id=user.pk,
        passkey_id=passkey.pk,
        credential_id=passkey.credential_id,
    )
    notify.send(
        user,
        _("A passkey was added"),
        _(
            'The passkey "%(name)s" was added to your account. If this was not you, remove '
            "it, change your password and contact us at once."
        )
        % {"name": passkey.name},
    )


def remove(passkey: Passkey, request=None, **fields) -> None:
    """Delete a passkey, log it and email its owner; with no factor left, MFA goes off.

    `fields` name who did it when it was not the owner (operator_id, from the admin).
    """
    user = passkey.user
    passkey.delete()
    security_log.event(
        "passkey.removed", request, user_id=user.pk, credential_id=passkey.credential_id, **fields
    )
    notify.send(
        user,
        _("A passkey was removed"),
        _(
            'The passkey "%(name)s" was removed from your account. If this was not you, change '
            "your password and contact us at once."
        )
        % {"name": passkey.name},
    )
    if not service.is_enabled(user) and RecoveryCode.objects.filter(user=user).exists():
        # Recovery codes alone are not a second factor: MFA is off, so they go too.
        service.disable(user, request, **fields)
