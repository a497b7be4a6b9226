"""The admin site, whose login has the API login's protection (see accounts.session_login)."""

from django.contrib import admin

from accounts.session_login import AdminLoginForm, check_login_rate


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def login(self, request, extra_context=None):
        return check_login_rate(request) or super().login(request, extra_context)
