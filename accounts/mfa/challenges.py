"""Pending logins: the password (or the browser's first page) was right, a code is owed."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone

from accounts.mfa import codes
from accounts.mfa.conf import mfa_settings


class ChallengeQuerySet(models.QuerySet):
    def live(self, now=None) -> "ChallengeQuerySet":
        now = now or timezone.now()
        return self.filter(
            used_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=mfa_settings.CHALLENGE_MAX_ATTEMPTS,
        )


class ChallengeManager(models.Manager.from_queryset(ChallengeQuerySet)):  # type: ignore[misc]
    def issue(self, user, token_name: str) -> tuple["Challenge", str]:
        """Open a pending login; past ACCOUNTS_MFA_MAX_PENDING_LOGINS live ones, the oldest end."""
        raw = codes.new_challenge_token()
        now = timezone.now()
        challenge = self.create(
            user=user,
            digest=codes.challenge_digest(raw),
            token_name=token_name,
            created_at=now,
            expires_at=now + mfa_settings.CHALLENGE_TTL,
        )
        # A bounded number per account: each pending login may ask for emailed codes.
        keep = self.live(now).filter(user=user).order_by("-created_at", "-pk")
        keep = list(keep.values_list("pk", flat=True)[: int(mfa_settings.MAX_PENDING_LOGINS)])
        self.live(now).filter(user=user).exclude(pk__in=keep).delete()
        return challenge, raw

    def end_for(self, user) -> int:
        """End every pending login of `user` (new password, logout-all, ...); return how many."""
        return self.filter(user=user).delete()[0]

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
                email_code_expires_at=now + mfa_settings.EMAIL_CODE_TTL,
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
