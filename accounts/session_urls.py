"""Session login and logout for the browsable API: rest_framework.urls, rate limited."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.mfa.session import SecondStepView
from accounts.session_login import SessionLoginView

app_name = "rest_framework"

urlpatterns = [
    path("login/", SessionLoginView.as_view(), name="login"),
    path(
        "login/mfa/",
        SecondStepView.as_view(
            template_name="mfa/api_second_step.html", login_url_name="rest_framework:login"
        ),
        name="mfa-login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
