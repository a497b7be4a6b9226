"""The user list shows whether MFA is on; superusers may reset it for a user who lost every factor.

Nothing of MFA is editable or shown beyond on/off, except the user's passkeys (public
credentials: name, dates, signature counter), which superusers may remove one by one.
Secrets and codes never reach a page.
"""

from django.contrib import admin, messages
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import UserAdmin as BaseUserAdmin
from accounts.mfa import service
from accounts.mfa.models import Authenticator, Passkey
from accounts.mfa.webauthn import lifecycle
from accounts.models import User


class PasskeyInline(admin.TabularInline):
    model = Passkey
    fields = ("name", "created_at", "last_used_at", "sign_count", "passwordless")
    readonly_fields = fields
    extra = 0
    verbose_name = _("passkey")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Removing a factor is an account takeover in the wrong hands: superusers only.
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_staff


class UserAdmin(BaseUserAdmin):
    list_display = (*BaseUserAdmin.list_display, "mfa_enabled")  # type: ignore[assignment]
    actions = [*BaseUserAdmin.actions, "reset_mfa"]

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        # Only users with passkeys get the section (and its form): nothing to add here.
        if obj is not None and Passkey.objects.filter(user=obj).exists():
            inlines.append(PasskeyInline)
        return inlines

    def get_queryset(self, request):
        confirmed = Authenticator.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
        passkeys = Passkey.objects.filter(user=OuterRef("pk"))
        mfa_on = ExpressionWrapper(
            Q(Exists(confirmed)) | Q(Exists(passkeys)), output_field=BooleanField()
        )
        return super().get_queryset(request).annotate(mfa_on=mfa_on)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Passkey:
            return super().save_formset(request, form, formset, change)
        # Each removal is logged and emailed to the owner, naming the operator in the log.
        formset.save(commit=False)
        for passkey in formset.deleted_objects:
            lifecycle.remove(passkey, request, operator_id=request.user.pk)

    @admin.display(boolean=True, description=_("MFA"), ordering="mfa_on")
    def mfa_enabled(self, user) -> bool:
        return user.mfa_on

    def protected_credential_fields(self, obj) -> frozenset[str]:
        # An email change is a reset link and emailed sign-in codes away from a takeover,
        # and a new password is half of the login: superusers only, as for staff accounts.
        protected = super().protected_credential_fields(obj)
        if service.is_enabled(obj):
            protected |= {"email", "password"}
        return protected

    def has_reset_mfa_permission(self, request) -> bool:
        # Turning off a factor is an account takeover in the wrong hands: superusers only.
        return request.user.is_superuser

    @admin.action(description=_("Reset multi-factor authentication"), permissions=["reset_mfa"])
    def reset_mfa(self, request, queryset):
        reset = 0
        for user in queryset.filter(mfa_on=True):
            service.disable(user, request, event="mfa.reset", operator_id=request.user.pk)
            reset += 1
        self.message_user(
            request,
            ngettext(
                "Reset multi-factor authentication for %d user.",
                "Reset multi-factor authentication for %d users.",
                reset,
            )
            % reset,
            messages.SUCCESS,
        )


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
# The admin's login page with "Sign in with a passkey" (templates/mfa/admin_login.html).
admin.site.login_template = "mfa/admin_login.html"
