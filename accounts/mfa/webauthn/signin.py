"""Signing in with a passkey, for the API and the browser pages alike.

Each attempt goes through accounts.mfa.service.checked_attempt: counted against the
account lock of the user the passkey names before the assertion is checked.
"""

from accounts import security_log
from accounts.mfa import service
from accounts.mfa.models import Challenge, PasskeyCeremony
from accounts.mfa.webauthn import assertions
from accounts.mfa.webauthn.ceremonies import Refused

Kind = PasskeyCeremony.Kind


def refused(request, error: Refused, step: str) -> None:
    """Log why a passkey was refused (never the credential beyond its id)."""
    passkey = error.passkey
    security_log.event(
        "passkey.refused",
        request,
        user_id=passkey.user_id if passkey else None,
        credential_id=passkey.credential_id if passkey else None,
        reason=error.reason,
        step=step,
    )


def passwordless_user(request, raw_ceremony: object, credential: object):
    """The active user a passwordless assertion proves, or None (logged, counted)."""
    try:
        passkey = assertions.find_passkey(credential)
    except Refused as error:
        refused(request, error, "passwordless")
        return None
    if passkey is None or not passkey.user.is_active:
        security_log.event("passkey.refused", request, reason="unknown_credential")
        return None

    def check() -> str | None:
        try:
            assertions.verify_assertion(
                passkey, credential, Kind.PASSWORDLESS, raw_ceremony=raw_ceremony, request=request
            )
        except Refused as error:
            refused(request, error, "passwordless")
            return None
        return service.PASSKEY

    # A failed assertion is a login failure of the account the passkey names, counted
    # before the check like a password (accounts/ratelimit/lockout.py).
    if service.checked_attempt(passkey.user, request, "passwordless", check) is None:
        return None
    security_log.event("passkey.login", request, user_id=passkey.user_id, passkey_id=passkey.pk)
    return passkey.user


def _checked(owner, credential: object, kind: str, request, step: str, **bound) -> str | None:
    """Check an assertion of one of `owner`'s passkeys, counted like a code against the lock."""

    def check() -> str | None:
        if not service.has_passkeys(owner):
            return None
        try:
            passkey = assertions.find_passkey(credential)
            if passkey is None:
                raise Refused("unknown_credential")
            assertions.verify_assertion(passkey, credential, kind, request=request, **bound)
        except Refused as error:
            refused(request, error, step)
            return None
        return service.PASSKEY

    return service.checked_attempt(owner, request, step, check)


def second_step(challenge: Challenge, credential: object, request, step: str) -> str | None:
    """Check a passkey assertion for a pending login."""
    return _checked(
        challenge.user, credential, Kind.SECOND_FACTOR, request, step, pending_login=challenge
    )


def reauthentication(user, raw_ceremony: object, credential: object, request) -> str | None:
    """Check a signed-in user's passkey; return a one-time re-authentication code, or None."""
    passed = _checked(
        user, credential, Kind.REAUTH, request, "reauth", raw_ceremony=raw_ceremony, user=user
    )
    return None if passed is None else PasskeyCeremony.objects.open_proof(user)
