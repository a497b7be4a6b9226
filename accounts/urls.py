from django.urls import path

from accounts import password_views, token_views, views
from accounts.leaks import urls as leaks_urls
from accounts.mfa.urls import urlpatterns as mfa_urlpatterns

app_name = "accounts"

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/me/", views.MeView.as_view(), name="me"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
    path("auth/tokens/", token_views.TokenListCreateView.as_view(), name="tokens"),
    # Leak response (accounts/leaks): token revocation by its holder, secret scanning.
    *leaks_urls.urlpatterns,
    path("auth/tokens/<int:pk>/", token_views.TokenDetailView.as_view(), name="token-detail"),
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

# Enrolment and the second login step (accounts/mfa/).
urlpatterns += mfa_urlpatterns
