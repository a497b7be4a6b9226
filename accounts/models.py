"""The account: User and its manager. Token lives in accounts/tokens/models.py."""

from typing import ClassVar, cast

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import signals
from accounts.tokens.models import DEFAULT_SCOPES, Token, TokenManager, TokenQuerySet

__all__ = ["DEFAULT_SCOPES", "Token", "TokenManager", "TokenQuerySet", "User", "UserManager"]


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # Emails are stored lower-cased so that lookups are one exact, indexed match.
        return super().normalize_email((email or "").strip()).lower()

    def get_by_natural_key(self, email: str | None):
        return self.get(email=self.normalize_email(email))

    def _create_user(self, email: str, password: str | None, **extra_fields):
        user = self._build_user(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def _build_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = cast("User", self.model(email=self.normalize_email(email), **extra_fields))
        user.set_password(password)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def register(self, email: str, password: str):
        """Create an ordinary user; the password is hashed before any transaction opens.

        argon2 takes ~0.1 s; on SQLite the write lock is taken when a transaction
        begins, so hashing inside one would hold every other writer back that long.
        Raises IntegrityError when the email is taken.
        """
        user = self._build_user(email, password, is_staff=False, is_superuser=False)
        with transaction.atomic(using=self._db):
            user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields["is_staff"] is not True:
            raise ValueError("Superuser must have is_staff=True.")
        if extra_fields["is_superuser"] is not True:
            raise ValueError("Superuser must have is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A user who logs in with an email address instead of a username."""

    email = models.EmailField(
        _("email address"),
        max_length=254,
        unique=True,
        error_messages={"unique": _("A user with that email already exists.")},
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Designates whether this user should be treated as active. "
            "Unselect this instead of deleting accounts."
        ),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()
    # Set by AbstractBaseUser.set_password until the next save (the raw password, briefly).
    _password: str | None

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # The database, not only Python, refuses two emails that differ in case.
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("A user with that email already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    # Set by set_unusable_password (Django keeps the new raw password in `_password`).
    _password_disabled = False
    # (reason, token to keep) for the revocation the next save of a new password makes.
    _revocation: "tuple[str, Token | None] | None" = None
    # The request making the next save, for the lifecycle signals (admin, API methods).
    lifecycle_request = None
    # The email and active flag as last read or saved, to tell what a save changes.
    _saved_state: "tuple[str, bool] | None" = None
    # How many tokens the last save of a new password revoked.
    tokens_revoked = 0

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.loaded_from_db()
        return instance

    # All from_db adds is this hook: the token lookup, which builds instances without
    # Model.__init__ for speed (accounts/tokens/lookup.py), calls it itself.
    from_db_adds_only_loaded_hook = True

    def loaded_from_db(self) -> None:
        self._remember_saved_state()

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._remember_saved_state()

    def _remember_saved_state(self, update_fields=None) -> None:
        loaded, before = self.__dict__, self._saved_state
        if "email" not in loaded or "is_active" not in loaded:
            return
        email, active = loaded["email"], loaded["is_active"]
        if before is not None and update_fields is not None:
            # Fields this save left out are still as they were in the database.
            email = email if "email" in update_fields else before[0]
            active = active if "is_active" in update_fields else before[1]
        self._saved_state = (email, active)

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_disabled = True

    def save(self, *args, **kwargs) -> None:
        # Every way of setting a password ends in this save: the API, the admin's forms,
        # `changepassword`, plain code. Revoking and announcing here is the only place none
        # of them can miss. Django's rehash at login clears `_password` first: nothing then.
        update_fields = kwargs.get("update_fields")

        def saving(field: str) -> bool:
            return not self._state.adding and (update_fields is None or field in update_fields)

        new_password = saving("password") and (
            self._password is not None or self._password_disabled
        )
        old_email, was_active = self._saved_state or (self.email, self.is_active)
        email_changed = (
            saving("email") and self._saved_state is not None and old_email != self.email
        )
        deactivated = saving("is_active") and was_active and not self.is_active
        reason, keep = self._revocation or (Token.RevokeReason.PASSWORD_CHANGE, None)
        request = self.lifecycle_request
        self._password_disabled, self._revocation, self.lifecycle_request = False, None, None
        if not (new_password or email_changed or deactivated):
            super().save(*args, **kwargs)
            self._remember_saved_state(update_fields)
            return
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            self._remember_saved_state(update_fields)
            if new_password:
                others = Token.objects.filter(user=self)
                if keep is not None:
                    others = others.exclude(pk=keep.pk)
                self.tokens_revoked = others.revoke(reason)
                signals.password_changed.send(User, user=self, reason=reason, request=request)
            if email_changed:
                signals.email_changed.send(User, user=self, old_email=old_email, request=request)
            if deactivated:
                signals.user_deactivated.send(User, user=self, request=request)

    def change_password(
        self, raw_password: str, *, reason: str, keep: "Token | None" = None, request=None
    ) -> int:
        """Set a new password and revoke every token but `keep`; return how many were revoked."""
        self.set_password(raw_password)
        self._revocation, self.lifecycle_request = (reason, keep), request
        self.save(update_fields=["password"])
        return self.tokens_revoked

    def change_email(self, email: str, *, request=None) -> None:
        """Set a new email; the old and the new address are told (accounts.signals)."""
        self.email = type(self).objects.normalize_email(email)
        self.lifecycle_request = request
        self.save(update_fields=["email"])

    def revoke_all_tokens(self, reason: str, *, keep: "Token | None" = None, request=None) -> int:
        """Revoke every token of the user but `keep`, and announce it; return how many."""
        tokens = Token.objects.filter(user=self)
        if keep is not None:
            tokens = tokens.exclude(pk=keep.pk)
        count = tokens.revoke(reason)
        signals.tokens_revoked_all.send(User, user=self, reason=reason, request=request)
        return count

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name
