"""MFA state: one TOTP authenticator per user, recovery codes, and pending logins.

Nothing secret is stored in clear: the TOTP secret is encrypted (accounts.mfa.crypto),
codes and pending-login tokens are digests (accounts.mfa.codes).
"""

from datetime import timedelta
from urllib.parse import quote, urlencode

import pyotp
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.mfa import codes, crypto
from accounts.mfa.conf import mfa_settings

TOTP_STEP = 30
TOTP_DIGITS = 6
# One step either side absorbs clock drift and the time it takes to type a code.
TOTP_VALID_WINDOW = 1
# 32 base32 characters: 160 bits, RFC 4226's recommended secret length.
TOTP_SECRET_LENGTH = 32


class AuthenticatorManager(models.Manager):
    def start(self, user) -> tuple["Authenticator", str]:
        """Create or replace the pending (unconfirmed) secret; return the row and the raw secret."""
        secret = pyotp.random_base32(TOTP_SECRET_LENGTH)
        authenticator, _ = self.update_or_create(
            user=user,
            defaults={
                "encrypted_secret": crypto.encrypt(secret),
                "confirmed_at": None,
                "last_used_step": None,
            },
        )
        return authenticator, secret


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


class RecoveryCodeManager(models.Manager.from_queryset(RecoveryCodeQuerySet)):
    def regenerate(self, user) -> list[str]:
        """Replace the user's codes with new ones; return the raw codes, this once."""
        raw = [codes.new_recovery_code() for _ in range(codes.RECOVERY_CODE_COUNT)]
        with transaction.atomic():
            self.filter(user=user).delete()
            self.bulk_create(
                self.model(user=user, digest=codes.recovery_code_digest(user.pk, code))
                for code in raw
            )
        return raw

    def use(self, user, code: str) -> bool:
        """Spend an unused code; False when it is unknown or already used."""
        if not codes.looks_like_recovery_code(code):
            return False
        digest = codes.recovery_code_digest(user.pk, code)
        return bool(
            self.filter(user=user, digest=digest, used_at__isnull=True).update(
                used_at=timezone.now()
            )
        )


class RecoveryCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_recovery_codes"
    )
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = RecoveryCodeManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="mfa_recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"


class ChallengeQuerySet(models.QuerySet):
    def live(self, now=None) -> "ChallengeQuerySet":
        now = now or timezone.now()
        return self.filter(
            used_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=mfa_settings.CHALLENGE_MAX_ATTEMPTS,
        )


class ChallengeManager(models.Manager.from_queryset(ChallengeQuerySet)):
    def issue(self, user, token_name: str) -> tuple["Challenge", str]:
        raw = codes.new_challenge_token()
        now = timezone.now()
        challenge = self.create(
            user=user,
            digest=codes.challenge_digest(raw),
            token_name=token_name,
            created_at=now,
            expires_at=now + timedelta(seconds=mfa_settings.CHALLENGE_TTL),
        )
        return challenge, raw

    def find_live(self, raw: str) -> "Challenge | None":
        return self.live().select_related("user").filter(digest=codes.challenge_digest(raw)).first()

    def purge(self, now=None) -> int:
        """Delete pending logins that can no longer be used."""
        now = now or timezone.now()
        return self.filter(expires_at__lte=now).delete()[0]


class Challenge(models.Model):
    """A pending login: the password was right, the second factor is still owed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_challenges"
    )
    digest = models.CharField(max_length=64, unique=True)
    # The name the password step gave for the token the login will mint.
    token_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Code attempts, counted before each check so parallel requests cannot exceed the cap.
    attempts = models.PositiveSmallIntegerField(default=0)
    email_code_digest = models.CharField(max_length=64, blank=True)
    email_code_expires_at = models.DateTimeField(null=True, blank=True)
    email_codes_sent = models.PositiveSmallIntegerField(default=0)

    objects = ChallengeManager()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="mfa_challenge_expires_idx")]

    def __str__(self) -> str:
        return f"Pending login of {self.user}"

    def count_attempt(self) -> bool:
        """Count one code attempt; False when the challenge is used, expired or exhausted."""
        return bool(type(self).objects.live().filter(pk=self.pk).update(attempts=F("attempts") + 1))

    def consume(self) -> bool:
        """Mark the challenge used; False when another request used it first."""
        now = timezone.now()
        won = type(self).objects.filter(pk=self.pk, used_at__isnull=True, expires_at__gt=now)
        return bool(won.update(used_at=now, email_code_digest=""))

    def set_email_code(self, code: str) -> bool:
        """Store a new emailed code's digest, replacing the previous one; False past the cap."""
        now = timezone.now()
        updated = (
            type(self)
            .objects.live()
            .filter(pk=self.pk, email_codes_sent__lt=mfa_settings.EMAIL_CODES_PER_CHALLENGE)
            .update(
                email_codes_sent=F("email_codes_sent") + 1,
                email_code_digest=codes.email_code_digest(self.pk, code),
                email_code_expires_at=now + timedelta(seconds=mfa_settings.EMAIL_CODE_TTL),
            )
        )
        return bool(updated)

    def verify_email_code(self, code: str) -> bool:
        code = "".join(code.split())
        if len(code) != 6 or not (code.isascii() and code.isdigit()):
            return False
        if not self.email_code_digest or self.email_code_expires_at is None:
            return False
        if self.email_code_expires_at <= timezone.now():
            return False
        return codes.email_code_matches(self.email_code_digest, self.pk, code)
