from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import security_log
from accounts.admin_forms import TokenCreationForm, TokenInlineForm
from accounts.admin_rules import NoEscalationUserAdminMixin
from accounts.models import Token, User
from accounts.views import no_store

# Shown everywhere a token appears; the digest is never among them.
TOKEN_FIELDS = (
    "prefix",
    "name",
    "kind",
    "scope_list",
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
    "scope_list",
    "created_at",
    "last_used_at",
    "last_used_ip",
    "expires_at",
    "state",
)


def _revoked_message(count: int) -> str:
    return ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count


@admin.display(description=_("scopes"))
def scope_list(obj: Token) -> str:
    # "read, write" rather than the stored JSON list.
    return ", ".join(obj.scopes or ()) or "-"


def _short(moment) -> str:
    # A narrow "2026-11-30 23:07" instead of "Nov. 30, 2026, 11:07 p.m.".
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


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
class UserAdmin(NoEscalationUserAdminMixin, auth_admin.UserAdmin):
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
        return _short(obj.last_login)

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
        if revoked:
            self.message_user(request, _revoked_message(len(revoked)), messages.SUCCESS)

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
    # Few, narrow columns, so the state stays on screen at 1280 px; the rest is on the page.
    list_display = ("prefix", "user", "name", "last_used", "expires", "state")
    list_filter = (
        TokenStateFilter,
        ("user", admin.RelatedOnlyFieldListFilter),
        "kind",
        "revoked_reason",
    )
    list_select_related = ("user",)
    search_fields = ("user__email", "prefix")
    # Pick the user by email (UserAdmin.search_fields), not by a numeric id.
    autocomplete_fields = ("user",)
    fields = ("user", *TOKEN_FIELDS)
    readonly_fields = ("user", *TOKEN_FIELDS)
    date_hierarchy = "created_at"
    actions = ["revoke_tokens"]

    scope_list = staticmethod(scope_list)

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, obj: Token) -> str:
        return _short(obj.last_used_at)

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, obj: Token) -> str:
        return _short(obj.expires_at)

    @admin.display(description=_("state"))
    def state(self, obj: Token) -> str:
        if obj.revoked_at is not None:
            return f"revoked ({obj.revoked_reason})" if obj.revoked_reason else "revoked"
        return obj.state

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing is editable: a "View token" page whose only button revokes it.
        if request.method == "POST" and "_revoke" in request.POST:
            return self._revoke_from_page(request, object_id)
        token = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "title": _("View token"),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_revoke": token is not None
            and token.revoked_at is None
            and self.has_change_permission(request, token),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _revoke_from_page(self, request, object_id):
        token = self.get_object(request, object_id)
        if token is None or not self.has_change_permission(request, token):
            raise PermissionDenied
        if token.revoke(Token.RevokeReason.ADMIN):
            self.log_change(request, token, "Revoked.")
            self.message_user(request, _revoked_message(1), messages.SUCCESS)
        else:
            self.message_user(request, _("This token was already revoked."), messages.INFO)
        return HttpResponseRedirect(request.path)

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

    def get_autocomplete_fields(self, request):
        # The autocomplete searches the user list, which needs its view permission; an
        # operator without it picks from a plain list instead of meeting a dead end.
        return self.autocomplete_fields if request.user.has_perm("accounts.view_user") else ()

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
        token, raw = form.issued
        # The admin goes on to log the addition of the issued row, then calls response_add.
        obj.pk = token.pk
        obj.refresh_from_db()
        # Kept on this in-memory instance only, for response_add to show once.
        obj.raw_token = raw

    def response_add(self, request, obj, post_url_continue=None):
        # The raw token is shown in this response and nowhere else: not in a redirect
        # URL, a message cookie, the session, a log line or the history.
        context = {
            **self.admin_site.each_context(request),
            "title": _("Token issued"),
            "opts": self.opts,
            "token": obj,
            "raw_token": obj.raw_token,
            "done_url": reverse("admin:accounts_token_change", args=[obj.pk]),
        }
        response = TemplateResponse(request, "admin/accounts/token/issued.html", context)
        return no_store(response)

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        pending = list(queryset.filter(revoked_at__isnull=True))
        count = queryset.revoke(Token.RevokeReason.ADMIN)
        for token in pending:
            # The history page then says which operator revoked it, and when.
            self.log_change(request, token, "Revoked.")
        self.message_user(request, _revoked_message(count), messages.SUCCESS)
