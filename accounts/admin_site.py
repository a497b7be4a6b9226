"""The admin site, whose login and own password change have the API's protection
(see accounts.session_login)."""

from django.contrib import admin
from django.urls import reverse

from accounts.session_login import AdminLoginForm, AdminPasswordChangeView, check_login_rate


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def login(self, request, extra_context=None):
        return check_login_rate(request) or super().login(request, extra_context)

    def password_change(self, request, extra_context=None):
        # Django's, with the old password checked under the login's lock and rate.
        defaults = {
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return AdminPasswordChangeView.as_view(**defaults)(request)
