from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_forms import TokenCreationForm, TokenInlineForm
from accounts.models import Token, User

# Shown everywhere a token appears; the digest is never among them.
TOKEN_FIELDS = (
    "prefix",
    "name",
    "kind",
    "scopes",
    "created_at",
    "last_used_at",
    "expires_at",
    "idle_timeout",
    "allowed_ips",
    "last_used_ip",
    "revoked_at",
    "revoked_reason",
    "leak_url",
)


class _EmailFormMixin:
    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data.get("email"))


class UserCreationForm(_EmailFormMixin, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(_EmailFormMixin, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


# The user page lists tokens with a box to revoke each; nothing else is editable.
INLINE_TOKEN_FIELDS = (
    "prefix",
    "name",
    "scopes",
    "created_at",
    "last_used_at",
    "last_used_ip",
    "expires_at",
    "state",
)


def _revoked_message(count: int) -> str:
    return ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count


class TokenInline(admin.TabularInline):
    model = Token
    form = TokenInlineForm
    fields = (*INLINE_TOKEN_FIELDS, "revoke")
    readonly_fields = INLINE_TOKEN_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "last_login",
        "live_tokens",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    inlines = [TokenInline]
    actions = ["revoke_all_tokens"]

    def get_inlines(self, request, obj):
        # A user being created has no tokens yet.
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        live = (
            Token.objects.live()
            .filter(user=OuterRef("pk"))
            .order_by()
            .values("user")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(live_token_count=Coalesce(Subquery(live, output_field=IntegerField()), 0))
        )

    @admin.display(description=_("live tokens"), ordering="live_token_count")
    def live_tokens(self, obj: User):
        url = reverse("admin:accounts_token_changelist")
        return format_html(
            '<a href="{}?user__id__exact={}&amp;state=live">{}</a>',
            url,
            obj.pk,
            obj.live_token_count,
        )

    @admin.action(description=_("Revoke all tokens of selected users"), permissions=["change"])
    def revoke_all_tokens(self, request, queryset):
        count = Token.objects.filter(user__in=queryset).revoke(Token.RevokeReason.ADMIN)
        self.message_user(request, _revoked_message(count), messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Token:
            return super().save_formset(request, form, formset, change)
        # Tokens are never saved from this page, only revoked, so a stale row cannot
        # overwrite a newer revocation or last-use time.
        revoked = [
            inline.instance
            for inline in formset.forms
            if inline.cleaned_data.get("revoke")
            and inline.instance.revoke(Token.RevokeReason.ADMIN)
        ]
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [(token, ["revoke"]) for token in revoked]


class TokenStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", _("Live")), ("expired", _("Expired")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.live()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            live = queryset.live().values("pk")
            return queryset.filter(revoked_at__isnull=True).exclude(pk__in=live)
        return queryset


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "last_used_at",
        "last_used_ip",
        "expires_at",
        "revoked_at",
        "revoked_reason",
        "state",
    )
    list_filter = (
        TokenStateFilter,
        ("user", admin.RelatedOnlyFieldListFilter),
        "kind",
        "revoked_reason",
    )
    list_select_related = ("user",)
    search_fields = ("user__email", "prefix")
    raw_id_fields = ("user",)
    fields = ("user", *TOKEN_FIELDS)
    readonly_fields = ("user", *TOKEN_FIELDS)
    date_hierarchy = "created_at"
    actions = ["revoke_tokens"]

    @admin.display(description=_("state"))
    def state(self, obj: Token) -> str:
        return obj.state

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: the row, with when and why, is the audit trail.
        return False

    def lookup_allowed(self, lookup, value, request=None):
        # The digest is never shown, and no URL filter may probe it either.
        if lookup.split("__")[0] == "digest":
            return False
        return super().lookup_allowed(lookup, value, request)

    add_fieldsets = (
        (
            None,
            {
                "fields": ("user", "name", "expires_in_days", "scopes", "allowed_ips"),
                "description": _(
                    "The token is shown once, on the next page. It cannot be changed "
                    "afterwards, only revoked."
                ),
            },
        ),
    )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TokenCreationForm
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # A token acts as its user: only a superuser may mint one for a staff account.
            kwargs["queryset"] = User.objects.filter(is_staff=False, is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            # Nothing on an issued token is editable; saving the row could only undo a
            # revocation or last-use time written since the page was loaded.
            return
        token, raw = form.issue()
        # The admin goes on to log the addition of, and redirect to, the issued row.
        obj.pk = token.pk
        obj.refresh_from_db()
        # Shown once through the messages framework (a signed cookie, see settings), so the
        # raw token is never in a URL, a log line, the database or the history.
        self.message_user(
            request,
            format_html(
                "The new token for {} is <code>{}</code>. Copy it now: it will not be shown again.",
                token.user.email,
                raw,
            ),
            messages.WARNING,
        )

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        pending = list(queryset.filter(revoked_at__isnull=True))
        count = queryset.revoke(Token.RevokeReason.ADMIN)
        for token in pending:
            # The history page then says which operator revoked it, and when.
            self.log_change(request, token, "Revoked.")
        self.message_user(request, _revoked_message(count), messages.SUCCESS)
