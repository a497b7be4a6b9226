"""Assertions (navigator.credentials.get()): the second step after a password, and passwordless.

The counter is compared only after the signature proved the key signed it; a regression
is refused and logged as a cloned authenticator.
"""

import json
from typing import Any

from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    options_to_json,
    verify_authentication_response,
)
from webauthn.helpers.structs import UserVerificationRequirement

from accounts import security_log
from accounts.mfa.conf import webauthn_settings
from accounts.mfa.models import Challenge, Passkey, PasskeyCeremony
from accounts.mfa.passkeys import digest
from accounts.mfa.webauthn.ceremonies import (
    Kind,
    Refused,
    client_challenge,
    credential_id_of,
    descriptors,
    live_ceremony,
    reason,
    timeout_ms,
    use,
)


def begin_assertion(
    kind: str, *, pending_login: Challenge | None = None, user=None
) -> tuple[dict, str]:
    """Options for navigator.credentials.get(): the pending login's or the signed-in user's
    passkeys, or any (passwordless)."""
    if pending_login is not None:
        user = pending_login.user
    _, raw, challenge = PasskeyCeremony.objects.open(kind, user=user, pending_login=pending_login)
    options = generate_authentication_options(
        rp_id=webauthn_settings.RP_ID,
        challenge=challenge,
        timeout=timeout_ms(),
        allow_credentials=descriptors(user) if user is not None else [],
        # Alone, a passkey must prove the person too (PIN or biometrics); after a password
        # it is the possession factor, so presence suffices.
        user_verification=(
            UserVerificationRequirement.REQUIRED
            if kind == Kind.PASSWORDLESS
            else UserVerificationRequirement.PREFERRED
        ),
    )
    return json.loads(options_to_json(options)), raw


def find_passkey(credential: Any) -> Passkey | None:
    """The passkey the credential names (any user's), or None."""
    return (
        Passkey.objects.select_related("user")
        .filter(credential_id=credential_id_of(credential))
        .first()
    )


def verify_assertion(
    passkey: Passkey,
    credential: Any,
    kind: str,
    *,
    raw_ceremony: object = None,
    pending_login: Challenge | None = None,
    user=None,
    request=None,
) -> None:
    """Check an assertion of `passkey` against its ceremony; raise Refused otherwise.

    A second step is bound to its pending login, a re-authentication to the signed-in
    `user`. A passing assertion moves the passkey's signature counter and last use.
    """
    if kind == Kind.SECOND_FACTOR:
        if pending_login is None or passkey.user_id != pending_login.user_id:
            raise Refused("other_users_credential", passkey)
        challenge = client_challenge(credential)
        ceremony = (
            PasskeyCeremony.objects.live()
            .filter(kind=kind, pending_login=pending_login, challenge_digest=digest(challenge))
            .first()
        )
        if ceremony is None:
            raise Refused("unknown_ceremony", passkey)
    elif kind == Kind.REAUTH:
        if user is None or passkey.user_id != user.pk:
            raise Refused("other_users_credential", passkey)
        ceremony = live_ceremony(raw_ceremony, kind, user=user)
    else:
        ceremony = live_ceremony(raw_ceremony, kind)
    challenge = use(ceremony, credential)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=webauthn_settings.RP_ID,
            expected_origin=list(webauthn_settings.ORIGINS),
            credential_public_key=bytes(passkey.public_key),
            # The counter is compared below, after the signature proved the key signed it.
            credential_current_sign_count=0,
            require_user_verification=kind == Kind.PASSWORDLESS,
        )
    except Exception as error:
        raise Refused(reason(error), passkey) from None
    handle = credential.get("response", {}).get("userHandle")
    if kind == Kind.PASSWORDLESS and handle and handle != passkey.user_handle:
        raise Refused("wrong_user_handle", passkey)
    new_count = verified.new_sign_count
    if (new_count or passkey.sign_count) and new_count <= passkey.sign_count:
        # The key signed, but its counter went back: a cloned authenticator (WebAuthn 6.1.1).
        security_log.event(
            "passkey.counter_regression",
            request,
            user_id=passkey.user_id,
            passkey_id=passkey.pk,
            stored=passkey.sign_count,
            received=new_count,
        )
        raise Refused("counter_regression", passkey)
    now = timezone.now()
    # Conditional on the counter read: of two racing assertions with one count, one moves it.
    moved = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
        sign_count=new_count, last_used_at=now
    )
    if not moved:
        raise Refused("counter_race", passkey)
    passkey.sign_count, passkey.last_used_at = new_count, now
