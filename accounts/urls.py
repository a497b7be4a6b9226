from importlib import import_module

from django.urls import path

from accounts import routes
from accounts.api import views
from accounts.passwords import views as password_views
from accounts.tokens import views as token_views

app_name = "accounts"

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/me/", views.MeView.as_view(), name="me"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
    path("auth/tokens/", token_views.TokenListCreateView.as_view(), name="tokens"),
    path("auth/tokens/<int:pk>/", token_views.TokenDetailView.as_view(), name="token-detail"),
    # For the project's other services (docs/introspection.md).
    path("auth/introspect/", token_views.IntrospectView.as_view(), name="introspect"),
    path(
        "auth/password/change/",
        password_views.PasswordChangeView.as_view(),
        name="password-change",
    ),
    path("auth/password/reset/", password_views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "auth/password/reset/confirm/",
        password_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]

# The feature apps' routes (multi-factor login, leak response), in this namespace.
for module in routes.modules():
    urlpatterns += import_module(module).urlpatterns
