"""The user list shows whether MFA is on; superusers may reset it for a user who lost every factor.

Nothing of MFA is editable or shown beyond on/off: secrets and codes never reach a page.
"""

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import UserAdmin as BaseUserAdmin
from accounts.mfa import service
from accounts.mfa.models import Authenticator
from accounts.models import User


class UserAdmin(BaseUserAdmin):
    list_display = (*BaseUserAdmin.list_display, "mfa_enabled")
    actions = [*BaseUserAdmin.actions, "reset_mfa"]

    def get_queryset(self, request):
        confirmed = Authenticator.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
        return super().get_queryset(request).annotate(mfa_on=Exists(confirmed))

    @admin.display(boolean=True, description=_("MFA"), ordering="mfa_on")
    def mfa_enabled(self, user) -> bool:
        return user.mfa_on

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
