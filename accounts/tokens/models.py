"""Token: the row behind each bearer token (stored as a digest) and its manager's rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.conf import app_settings
from accounts.exceptions import TokenLimitReached
from accounts.signals import token_issued, token_revoked
from accounts.tokens import keys as tokens

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_SCOPES = ("read", "write")


def _idle_ended_by(moment: datetime) -> Q:
    """Tokens idle for their whole idle timeout at `moment` (needs TokenQuerySet aliases).

    Login tokens follow ACCOUNTS_TOKEN_IDLE_TIMEOUT, read now; a personal token
    has its own `idle_timeout`, or none. As in Token.is_live, idle time counts
    from the last use, or from creation.
    """
    ended = ~Q(kind="login") & Q(_idle_deadline__lte=moment)
    login_timeout = app_settings.TOKEN_IDLE_TIMEOUT
    if login_timeout is not None:
        ended |= Q(kind="login", _last_activity__lte=moment - login_timeout)
    return ended


class TokenQuerySet(models.QuerySet):
    def _with_activity(self) -> TokenQuerySet:
        last_activity = Coalesce("last_used_at", "created_at")
        return self.alias(
            _last_activity=last_activity,
            _idle_deadline=ExpressionWrapper(
                last_activity + F("idle_timeout"), output_field=models.DateTimeField()
            ),
        )

    def live(self, now: datetime | None = None) -> TokenQuerySet:
        """Tokens that would authenticate at `now`: not revoked, expired or idle too long."""
        now = now or timezone.now()
        login_timeout = app_settings.TOKEN_IDLE_TIMEOUT
        # Spelled positively: a negated comparison with NULL would drop rows without a limit.
        login_awake = Q() if login_timeout is None else Q(_last_activity__gt=now - login_timeout)
        personal_awake = Q(idle_timeout__isnull=True) | Q(_idle_deadline__gt=now)
        return (
            self._with_activity()
            .filter(revoked_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .filter((Q(kind="login") & login_awake) | (~Q(kind="login") & personal_awake))
        )

    def expired(self, now: datetime | None = None) -> TokenQuerySet:
        """Tokens not revoked that no longer authenticate: past expires_at or idle too long."""
        now = now or timezone.now()
        return (
            self._with_activity()
            .filter(revoked_at__isnull=True)
            .filter(Q(expires_at__lte=now) | _idle_ended_by(now))
        )

    def purgeable(self, older_than: timedelta, now: datetime | None = None) -> TokenQuerySet:
        """Revoked or expired tokens whose end lies more than `older_than` before `now`."""
        cutoff = (now or timezone.now()) - older_than
        return self._with_activity().filter(
            Q(revoked_at__lte=cutoff) | Q(expires_at__lte=cutoff) | _idle_ended_by(cutoff)
        )

    def revoke(self, reason: str) -> int:
        """Revoke every token in this queryset that is not revoked yet; return how many."""
        pending = list(self.filter(revoked_at__isnull=True))
        if not pending:
            return 0
        now = timezone.now()
        count = Token.objects.filter(
            pk__in=[token.pk for token in pending], revoked_at__isnull=True
        ).update(revoked_at=now, revoked_reason=reason)
        for token in pending:
            token.revoked_at, token.revoked_reason = now, reason
            token_revoked.send(sender=Token, token=token, reason=reason)
        return count


# django-stubs cannot type a base class made by from_queryset(); the methods are checked.
class TokenManager(models.Manager.from_queryset(TokenQuerySet)):  # type: ignore[misc]
    _DEFAULT_TTL = object()

    def issue(
        self,
        user: User,
        *,
        name: str = "",
        ttl: timedelta | None | object = _DEFAULT_TTL,
        scopes: list[str] | tuple[str, ...] | None = None,
        kind: str = "login",
        idle_timeout: timedelta | None = None,
        allowed_ips: list[str] | tuple[str, ...] = (),
    ) -> tuple[Token, str]:
        """Create a token for `user`; return the row and the raw token, which is never stored."""
        lifetime: timedelta | None = (
            app_settings.TOKEN_TTL if ttl is self._DEFAULT_TTL else ttl  # type: ignore[assignment]
        )
        # Every scope users may hold (ACCOUNTS_TOKEN_SCOPES): a login has the password's rights.
        granted = app_settings.TOKEN_SCOPES if scopes is None else scopes
        now = timezone.now()
        raw = tokens.generate()
        with transaction.atomic():
            self._check_limit(user, now)
            token = self.create(
                user=user,
                digest=tokens.digest(raw),
                prefix=tokens.display_prefix(raw),
                name=name,
                kind=kind,
                scopes=list(granted),
                created_at=now,
                expires_at=None if lifetime is None else now + lifetime,
                idle_timeout=idle_timeout,
                allowed_ips=list(allowed_ips),
            )
        token_issued.send(sender=Token, token=token, reason="")
        return token, raw

    def _check_limit(self, user: User, now: datetime) -> None:
        """Raise TokenLimitReached if `user` already holds the most live tokens allowed."""
        limit = app_settings.MAX_TOKENS_PER_USER
        if limit is None:
            return
        # Lock the user row so that concurrent logins cannot both take the last place.
        list(
            get_user_model()
            ._default_manager.select_for_update()
            .filter(pk=user.pk)
            .values_list("pk")
        )
        if self.filter(user=user).live(now).count() >= limit:
            raise TokenLimitReached(limit)

    def purge(self, older_than: timedelta, batch_size: int = 1000) -> int:
        """Delete revoked and expired rows that ended over `older_than` ago; return how many.

        Deletes `batch_size` rows per transaction, so that it never holds long locks
        and can run from cron while the API serves requests.
        """
        now = timezone.now()
        total = 0
        while True:
            batch = list(
                self.purgeable(older_than, now).order_by().values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                return total
            with transaction.atomic():
                _, deleted = self.purgeable(older_than, now).filter(pk__in=batch).delete()
            total += deleted.get(Token._meta.label, 0)


class Token(models.Model):
    """An API token. Only the SHA-256 digest of the raw token is stored."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        PERSONAL = "personal", _("Personal access token")

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", _("Logout")
        LOGOUT_ALL = "logout_all", _("Logout from all devices")
        PASSWORD_CHANGE = "password_change", _("Password change")
        PASSWORD_RESET = "password_reset", _("Password reset")
        ADMIN = "admin", _("Revoked by an administrator")
        USER_REQUEST = "user_request", _("Revoked by the user")
        COMMAND = "command", _("Revoked by a management command")
        LEAKED = "leaked", _("Leaked: reported as found in public")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, db_index=True, editable=False)
    name = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LOGIN)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Personal tokens only: unused this long, they stop working (login tokens follow the setting).
    idle_timeout = models.DurationField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(
        max_length=32, choices=RevokeReason.choices, blank=True, default=""
    )
    # Where a leaked token was found, when a secret scanner said so (accounts/leaks).
    leak_url = models.CharField(max_length=2000, blank=True, default="", editable=False)
    # Personal tokens only: addresses and CIDR ranges it works from; empty means anywhere.
    allowed_ips = models.JSONField(default=list, blank=True)
    # The client address of the last recorded use, written with last_used_at.
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    # When the owner was warned that it expires soon (notifyexpiringtokens sends one).
    expiry_warning_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TokenManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="accounts_token_user_live")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        idle_timeout = self.idle_timeout_in_force()
        if idle_timeout is not None:
            if (self.last_used_at or self.created_at) + idle_timeout <= now:
                return False
        return True

    def idle_timeout_in_force(self) -> timedelta | None:
        """The setting for login tokens; a personal token's own timeout, or None."""
        if self.kind == self.Kind.LOGIN:
            return app_settings.TOKEN_IDLE_TIMEOUT
        return self.idle_timeout

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "live" if self.is_live() else "expired"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or ())

    def revoke(self, reason: str, *, leak_url: str = "") -> bool:
        """Revoke this token; return False if it was already revoked."""
        now = timezone.now()
        updated = Token.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason, leak_url=leak_url
        )
        if not updated:
            return False
        self.revoked_at, self.revoked_reason, self.leak_url = now, reason, leak_url
        token_revoked.send(sender=Token, token=self, reason=reason)
        return True
