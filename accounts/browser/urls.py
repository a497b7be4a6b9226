"""Session login and logout for the browsable API: rest_framework.urls, rate limited."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import second_factor
from accounts.browser.login import SessionLoginView

app_name = "rest_framework"

urlpatterns = [
    path("login/", SessionLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

second_step = second_factor.get().second_step_view(
    template_name="mfa/api_second_step.html", login_url_name="rest_framework:login"
)
if second_step is not None:
    urlpatterns.append(path("login/mfa/", second_step, name="mfa-login"))
