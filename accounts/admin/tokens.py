"""The token pages: state filter, one-time display of a new token, revocation."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.admin.display import TOKEN_FIELDS, revoked_message, scope_list, short
from accounts.admin.forms import TokenCreationForm
from accounts.http.caching import no_store
from accounts.models import Token, User


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
        return short(obj.last_used_at)

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, obj: Token) -> str:
        return short(obj.expires_at)

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
            self.message_user(request, revoked_message(1), messages.SUCCESS)
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
        self.message_user(request, revoked_message(count), messages.SUCCESS)
