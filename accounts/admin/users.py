"""The user pages: tokens inline, MFA-aware escalation rules, bulk revocation."""

from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import security_log
from accounts.admin.display import (
    INLINE_TOKEN_FIELDS,
    revoked_message,
    scope_list,
    short,
)
from accounts.admin.forms import (
    TokenInlineForm,
    UserChangeForm,
    UserCreationForm,
)
from accounts.admin.rules import NoEscalationUserAdminMixin
from accounts.models import Token, User


class TokenInline(admin.TabularInline):
    model = Token
    form = TokenInlineForm
    fields = (*INLINE_TOKEN_FIELDS, "revoke")
    readonly_fields = INLINE_TOKEN_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True
    scope_list = staticmethod(scope_list)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(NoEscalationUserAdminMixin, auth_admin.UserAdmin):  # type: ignore[misc]
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
    # Few, narrow columns, so the live-token count stays on screen at 1280 px.
    list_display = ("email", "full_name", "is_active", "is_staff", "last_seen", "live_tokens")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    inlines = [TokenInline]
    actions = ["revoke_all_tokens"]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        picking_token_user = (
            request.GET.get("model_name") == "token" and request.GET.get("field_name") == "user"
        )
        if picking_token_user and not request.user.is_superuser:
            # The "Add token" autocomplete offers what the form accepts (see TokenAdmin).
            queryset = queryset.filter(is_staff=False, is_superuser=False)
        return queryset, may_have_duplicates

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

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name() or "-"

    @admin.display(description=_("last login"), ordering="last_login")
    def last_seen(self, obj: User) -> str:
        return short(obj.last_login)

    @admin.display(description=_("live tokens"), ordering="live_token_count")
    def live_tokens(self, obj: User):
        url = reverse("admin:accounts_token_changelist")
        return format_html(
            '<a href="{}?user__id__exact={}&amp;state=live">{}</a>',
            url,
            obj.pk,
            obj.live_token_count,  # type: ignore[attr-defined]  # annotated by get_queryset
        )

    @admin.action(description=_("Revoke all tokens of selected users"), permissions=["change"])
    def revoke_all_tokens(self, request, queryset):
        # One user at a time, so each revocation is announced (pending logins end too).
        count = sum(
            user.revoke_all_tokens(Token.RevokeReason.ADMIN, request=request) for user in queryset
        )
        self.message_user(request, revoked_message(count), messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        # The lifecycle signals of this save (email changed, deactivated) carry the request.
        obj.lifecycle_request = request
        super().save_model(request, obj, form, change)

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
        if revoked:
            self.message_user(request, revoked_message(len(revoked)), messages.SUCCESS)

    # Deleting a user (an erasure request) deletes their tokens with them, though tokens
    # are never deleted on their own: the audit trail is for users who remain.
    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if request.user.is_superuser:
            perms_needed.discard(Token._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        self.delete_queryset(request, User.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        # The security log keeps what was deleted, by whom: ids and counts, never an email.
        with transaction.atomic():
            for user in queryset.annotate(token_count=Count("tokens")):
                security_log.event(
                    "user.deleted",
                    request,
                    user_id=user.pk,
                    tokens_deleted=user.token_count,
                    by_user_id=request.user.pk,
                )
            queryset.delete()
