"""Passkeys (WebAuthn credentials) and their ceremonies; re-exported by accounts.mfa.models.

Credential ids and public keys are not secrets. A ceremony's id and its challenge are
stored as SHA-256 digests (256 random bits each): a database reader cannot finish one.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.mfa.conf import webauthn_settings

CEREMONY_PREFIX = "pkc_"
# A passkey re-authentication's one-time code (accounts/mfa/reauth.py).
PROOF_PREFIX = "pkr_"


def digest(value: bytes | str) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogatepass")
    return hashlib.sha256(value).hexdigest()


class PasskeyQuerySet(models.QuerySet):
    def for_user(self, user) -> "PasskeyQuerySet":
        return self.filter(user=user)


class Passkey(models.Model):
    """A user's WebAuthn credential: its id, its public key (COSE) and its signature counter."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(max_length=100)
    # base64url of the credential id (at most 1023 bytes by the WebAuthn spec).
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    # The WebAuthn user handle (random, not the user's id or email), base64url.
    user_handle = models.CharField(max_length=100)
    transports = models.JSONField(default=list, blank=True)
    # Registered as a discoverable credential with user verification: it can sign in alone.
    passwordless = models.BooleanField(default=False)
    backed_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = PasskeyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Passkey {self.name!r} of {self.user}"


class CeremonyQuerySet(models.QuerySet):
    def live(self, now=None) -> "CeremonyQuerySet":
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class CeremonyManager(models.Manager.from_queryset(CeremonyQuerySet)):  # type: ignore[misc]
    def open(
        self, kind: str, *, user=None, pending_login=None
    ) -> tuple["PasskeyCeremony", str, bytes]:
        """Start a ceremony; return the row, its raw id and its raw challenge, this once."""
        raw = CEREMONY_PREFIX + secrets.token_urlsafe(32)
        challenge = secrets.token_bytes(32)
        now = timezone.now()
        ceremony = self.create(
            kind=kind,
            user=user,
            pending_login=pending_login,
            digest=digest(raw),
            challenge_digest=digest(challenge),
            created_at=now,
            expires_at=now + webauthn_settings.CEREMONY_TTL,
        )
        return ceremony, raw, challenge

    def open_proof(self, user) -> str:
        """Record that `user` just passed a passkey check; return its one-time code, this once.

        The code stands in for an authenticator code at one re-authentication of the same
        user, within ACCOUNTS_WEBAUTHN_CEREMONY_TTL; only its digest is stored.
        """
        raw = PROOF_PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        self.create(
            kind=PasskeyCeremony.Kind.REAUTH_PROOF,
            user=user,
            digest=digest(raw),
            challenge_digest="",
            created_at=now,
            expires_at=now + webauthn_settings.CEREMONY_TTL,
        )
        return raw

    def spend_proof(self, user, raw: str) -> bool:
        """Use up a live one-time code of `user`'s passkey check; False if there is none."""
        proofs = self.live().filter(
            kind=PasskeyCeremony.Kind.REAUTH_PROOF, user=user, digest=digest(raw)
        )
        # One UPDATE: of two requests racing with one code, one passes.
        return bool(proofs.update(used_at=timezone.now()))

    def purge(self, now=None) -> int:
        """Delete ceremonies that can no longer be finished."""
        now = now or timezone.now()
        return self.filter(expires_at__lte=now).delete()[0]


class PasskeyCeremony(models.Model):
    """One WebAuthn ceremony: a registration, a second step, a passwordless sign-in or a
    re-authentication (whose passing leaves a one-time code, a row of kind reauth_proof)."""

    class Kind(models.TextChoices):
        REGISTER = "register"
        SECOND_FACTOR = "second_factor"
        PASSWORDLESS = "passwordless"
        REAUTH = "reauth"
        REAUTH_PROOF = "reauth_proof"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The user it is bound to; none for a passwordless sign-in, which the passkey names.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="passkey_ceremonies",
    )
    # The pending login (password step) a second-step ceremony belongs to.
    pending_login = models.ForeignKey(
        "mfa.Challenge", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    digest = models.CharField(max_length=64, unique=True)
    challenge_digest = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = CeremonyManager()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="mfa_ceremony_expires_idx")]

    def __str__(self) -> str:
        return f"Passkey {self.kind} ceremony"

    def consume(self) -> bool:
        """Use the ceremony up; False when it is used or expired (single use, even on failure)."""
        now = timezone.now()
        live = type(self).objects.live(now).filter(pk=self.pk)
        return bool(live.update(used_at=now))
