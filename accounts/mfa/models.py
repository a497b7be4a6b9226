"""MFA state: one TOTP authenticator per user, recovery codes, and pending logins.

Nothing secret is stored in clear: the TOTP secret is encrypted (accounts.mfa.crypto),
codes and pending-login tokens are digests (accounts.mfa.codes).
"""

from urllib.parse import quote, urlencode

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.mfa import codes, crypto

# Pending logins live in their own module; every model of the app is importable from here.
from accounts.mfa.challenges import Challenge, ChallengeManager, ChallengeQuerySet
from accounts.mfa.conf import mfa_settings
from accounts.mfa.passkeys import Passkey, PasskeyCeremony

TOTP_STEP = 30
TOTP_DIGITS = 6
# One step either side absorbs clock drift and the time it takes to type a code.
TOTP_VALID_WINDOW = 1
# 32 base32 characters: 160 bits, RFC 4226's recommended secret length.
TOTP_SECRET_LENGTH = 32
# Recovery codes' secret parts (accounts.passwords.hashers.RecoveryCodeHasher).
HASHER = "argon2_recovery"


class AuthenticatorManager(models.Manager):
    def start(self, user) -> tuple["Authenticator", str]:
        """Create or replace the pending (unconfirmed) secret; return the row and the raw secret."""
        secret = pyotp.random_base32(TOTP_SECRET_LENGTH)
        authenticator, _ = self.update_or_create(
            user=user,
            defaults={
                "encrypted_secret": crypto.encrypt(secret),
                # A new set-up starts its own ACCOUNTS_MFA_SETUP_TTL.
                "created_at": timezone.now(),
                "confirmed_at": None,
                "last_used_step": None,
            },
        )
        return authenticator, secret  # type: ignore[return-value]


class Authenticator(models.Model):
    """A TOTP authenticator (RFC 6238, SHA-1, 6 digits, 30 s); MFA is on once it is confirmed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_authenticator"
    )
    encrypted_secret = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step whose code was accepted: only later steps are accepted again.
    last_used_step = models.BigIntegerField(null=True, blank=True)

    objects = AuthenticatorManager()

    def __str__(self) -> str:
        return f"TOTP authenticator of {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def setup_expired(self, now=None) -> bool:
        """Whether this unconfirmed secret is too old to be confirmed (ACCOUNTS_MFA_SETUP_TTL)."""
        if self.is_confirmed:
            return False
        deadline = self.created_at + mfa_settings.SETUP_TTL
        return deadline <= (now or timezone.now())

    def totp(self) -> pyotp.TOTP:
        return pyotp.TOTP(crypto.decrypt(self.encrypted_secret), digits=TOTP_DIGITS)

    def verify(self, code: str, now=None) -> bool:
        """Accept a current code once: its step, and every earlier one, is then spent."""
        code = "".join(code.split())
        # ASCII only: isdigit() alone accepts other scripts' digits, which NFKC may fold to these.
        if len(code) != TOTP_DIGITS or not (code.isascii() and code.isdigit()):
            return False
        totp = self.totp()
        moment = now or timezone.now()
        current = int(moment.timestamp()) // TOTP_STEP
        for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
            if self.last_used_step is not None and step <= self.last_used_step:
                continue
            if pyotp.utils.strings_equal(totp.at(step * TOTP_STEP), code):
                # Conditional update: of two requests racing with one code, one wins.
                spent = Q(last_used_step__isnull=True) | Q(last_used_step__lt=step)
                won = type(self).objects.filter(spent, pk=self.pk).update(last_used_step=step)
                if won:
                    self.last_used_step = step
                return bool(won)
        return False

    def provisioning_uri(self, secret: str) -> str:
        """Google's key URI: otpauth://totp/<issuer>:<email>?secret=<unpadded>&issuer=<issuer>."""
        issuer = mfa_settings.ISSUER
        # "@" is legal in a URI path and kept readable; everything else is percent-encoded.
        label = f"{quote(issuer, safe='')}:{quote(self.user.email, safe='@')}"
        query = urlencode({"secret": secret.rstrip("="), "issuer": issuer}, quote_via=quote)
        return f"otpauth://totp/{label}?{query}"


class RecoveryCodeQuerySet(models.QuerySet):
    def unused(self) -> "RecoveryCodeQuerySet":
        return self.filter(used_at__isnull=True)


class RecoveryCodeManager(models.Manager.from_queryset(RecoveryCodeQuerySet)):  # type: ignore[misc]
    def regenerate(self, user) -> list[str]:
        """Replace the user's codes with new ones; return the raw codes, this once."""
        indexes: set[str] = set()
        while len(indexes) < codes.RECOVERY_CODE_COUNT:
            indexes.add(codes.new_recovery_code().split("-")[0])
        raw = [codes.new_recovery_code(index) for index in sorted(indexes)]
        # Hashed before the transaction: ten password hashes must not hold the write lock.
        rows = [
            self.model(user=user, lookup=index, digest=make_password(secret, hasher=HASHER))
            for index, secret in map(codes.split_recovery_code, raw)
        ]
        with transaction.atomic():
            self.filter(user=user).delete()
            self.bulk_create(rows)
        return raw

    def use(self, user, code: str) -> bool:
        """Spend an unused code; False when it is unknown or already used.

        One password-hash check per attempt: the public index finds the only row it can be,
        and a code whose index matches nothing is hashed anyway, so a wrong index and a
        wrong secret take the same time.
        """
        if not codes.looks_like_recovery_code(code):
            return False
        index, secret = codes.split_recovery_code(code)
        row = self.filter(user=user, lookup=index, used_at__isnull=True).first()
        if row is None:
            # The one hash a real check costs: the timing tells nothing.
            make_password(secret, hasher=HASHER)
            return False
        if not check_password(secret, row.digest):
            return False
        # Conditional update: of two requests racing with one code, one wins.
        return bool(self.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()))


class RecoveryCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_recovery_codes"
    )
    # The code's public index (its first group), to find the row without trying every hash.
    lookup = models.CharField(max_length=8)
    # The secret part, hashed with the project's password hasher (make_password).
    digest = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = RecoveryCodeManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lookup"], name="mfa_recovery_code_lookup")
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"


__all__ = [
    "Authenticator",
    "Challenge",
    "ChallengeManager",
    "ChallengeQuerySet",
    "Passkey",
    "PasskeyCeremony",
    "RecoveryCode",
]
