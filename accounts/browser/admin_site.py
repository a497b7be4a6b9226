"""The admin site, whose login and own password change have the API's protection
(see accounts.browser.login).

Staff with a second factor on pass a second page after the password, and a second-factor
policy may refuse the admin to staff without one (both asked through accounts.second_factor).
"""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from accounts import second_factor
from accounts.browser.login import AdminLoginForm, AdminPasswordChangeView, SecondStepLoginMixin
from accounts.ratelimit.throttling import check_login_rate


class AdminLoginView(SecondStepLoginMixin, LoginView):
    second_step_url_name = "admin:mfa_login"


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def has_permission(self, request) -> bool:
        return (
            super().has_permission(request)
            and second_factor.get().staff_refusal(request.user) is None
        )

    def get_urls(self):
        second_step = second_factor.get().second_step_view(
            template_name="mfa/admin_second_step.html",
            login_url_name="admin:login",
            admin_site=self,
        )
        if second_step is None:
            return super().get_urls()
        return [path("login/mfa/", second_step, name="mfa_login"), *super().get_urls()]

    def login(self, request, extra_context=None):
        # django.contrib.admin's AdminSite.login, with a login view that knows the second step.
        if limited := check_login_rate(request):
            return limited
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return AdminLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template or "admin/login.html",
        )(request)

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
