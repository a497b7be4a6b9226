"""WebAuthn ceremonies with py_webauthn: what both kinds share, and registration.

Every ceremony is single-use (used up before the response is checked, so a failed
attempt cannot be retried), bound to its kind and its user or pending login, and lives
ACCOUNTS_WEBAUTHN_CEREMONY_TTL. Origins and the RP ID come from settings, never from the
request. Only credential ids (not secrets) and the reason of a refusal are logged.
"""

import base64
import binascii
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from webauthn import generate_registration_options, options_to_json, verify_registration_response
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.mfa.conf import webauthn_settings
from accounts.mfa.models import Passkey, PasskeyCeremony
from accounts.mfa.passkeys import digest

Kind = PasskeyCeremony.Kind


class Refused(Exception):
    """A ceremony that must not pass; the reason is for the event log, never the client."""

    def __init__(self, reason: str, passkey: Passkey | None = None):
        super().__init__(reason)
        self.reason = reason
        self.passkey = passkey


def b64url_decode(value: object) -> bytes:
    if not isinstance(value, str):
        raise Refused("malformed")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise Refused("malformed") from None


def client_challenge(credential: Any) -> bytes:
    """The challenge the browser signed, read from clientDataJSON (checked again by the library)."""
    try:
        client_data = json.loads(b64url_decode(credential["response"]["clientDataJSON"]))
        return b64url_decode(client_data["challenge"])
    except (TypeError, KeyError, ValueError):
        raise Refused("malformed") from None


def credential_id_of(credential: Any) -> str:
    """The credential's id (base64url), as the client named it."""
    if not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
        raise Refused("malformed")
    return credential["id"]


def descriptors(user) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=b64url_decode(passkey.credential_id))
        for passkey in Passkey.objects.for_user(user)
    ]


def _user_handle(user) -> str:
    """The WebAuthn user id: the one of the user's passkeys, else a keyed digest of the pk.

    Never the email or the primary key itself, which the spec forbids sending.
    """
    existing = Passkey.objects.for_user(user).values_list("user_handle", flat=True).first()
    if existing:
        return existing
    value = salted_hmac("accounts.mfa.webauthn.user-handle", str(user.pk), algorithm="sha256")
    return bytes_to_base64url(value.digest())


def timeout_ms() -> int:
    return int(webauthn_settings.CEREMONY_TTL.total_seconds() * 1000)


def begin_registration(user) -> tuple[dict, str]:
    """Options for navigator.credentials.create() and the ceremony id to send back."""
    _, raw, challenge = PasskeyCeremony.objects.open(Kind.REGISTER, user=user)
    options = generate_registration_options(
        rp_id=webauthn_settings.RP_ID,
        rp_name=webauthn_settings.RP_NAME,
        user_name=user.email,
        user_id=b64url_decode(_user_handle(user)),
        user_display_name=user.email,
        challenge=challenge,
        timeout=timeout_ms(),
        # Attestation "none": we trust the user's choice of authenticator, not a vendor list.
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=descriptors(user),
    )
    body = json.loads(options_to_json(options))
    # credProps tells whether the key is discoverable, i.e. can sign in without a password.
    body["extensions"] = {"credProps": True}
    return body, raw


def live_ceremony(raw: object, kind: str, **bound) -> PasskeyCeremony:
    if not isinstance(raw, str):
        raise Refused("unknown_ceremony")
    found = PasskeyCeremony.objects.live().filter(digest=digest(raw), kind=kind, **bound).first()
    if found is None:
        raise Refused("unknown_ceremony")
    return found


def use(ceremony: PasskeyCeremony, credential: Any) -> bytes:
    """Use the ceremony up and return the challenge the credential signed, if it is this one's."""
    if not ceremony.consume():
        raise Refused("replay")
    challenge = client_challenge(credential)
    if digest(challenge) != ceremony.challenge_digest:
        raise Refused("wrong_challenge")
    return challenge


def finish_registration(user, raw_ceremony: object, credential: Any, name: str) -> Passkey:
    """Check a registration response and store the new passkey; raise Refused otherwise."""
    ceremony = live_ceremony(raw_ceremony, Kind.REGISTER, user=user)
    challenge = use(ceremony, credential)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=webauthn_settings.RP_ID,
            expected_origin=list(webauthn_settings.ORIGINS),
        )
    # Any failure to parse or verify is a refusal: the input is the attacker's.
    except Exception as error:
        raise Refused(reason(error)) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    extensions = credential.get("clientExtensionResults") or {}
    cred_props = extensions.get("credProps") if isinstance(extensions, dict) else None
    discoverable = isinstance(cred_props, dict) and cred_props.get("rk") is True
    transports = credential.get("response", {}).get("transports")
    if not isinstance(transports, list):
        transports = []
    try:
        # A savepoint: the refusal below leaves any outer transaction usable.
        with transaction.atomic():
            return Passkey.objects.create(
                user=user,
                name=name,
                credential_id=credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                user_handle=_user_handle(user),
                transports=[t for t in transports if isinstance(t, str)][:10],
                passwordless=discoverable and verified.user_verified,
                backed_up=verified.credential_backed_up,
            )
    except IntegrityError:
        # Registered already, to this user or another: one credential, one account.
        raise Refused("credential_taken") from None


def reason(error: Exception) -> str:
    # The library's messages name what failed (origin, RP ID, signature), never a secret.
    return f"invalid: {str(error)[:200]}"
