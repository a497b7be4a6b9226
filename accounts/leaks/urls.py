from django.urls import path

from accounts.leaks import views

# Under /api/, in the accounts namespace (added to accounts.urls from apps.py).
urlpatterns = [
    path("auth/tokens/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
    path(
        "auth/secret-scanning/github/",
        views.GitHubSecretScanningView.as_view(),
        name="secret-scanning-github",
    ),
]
