from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
    "revoked_at",
    "revoked_reason",
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


class TokenInline(admin.TabularInline):
    model = Token
    fields = TOKEN_FIELDS
    readonly_fields = TOKEN_FIELDS
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
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    inlines = [TokenInline]

    def get_inlines(self, request, obj):
        # A user being created has no tokens yet.
        return self.inlines if obj is not None else []


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
        "expires_at",
        "revoked_at",
        "state",
    )
    list_filter = (TokenStateFilter, "kind", "revoked_reason")
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

    def has_add_permission(self, request):
        # Raw tokens are shown once to whoever asked for them; the admin does not mint them.
        return False

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        count = queryset.revoke(Token.RevokeReason.ADMIN)
        self.message_user(
            request,
            ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count,
            messages.SUCCESS,
        )
