from django.urls import path

from accounts.leaks import views

# Included in the accounts namespace under api/auth/ (accounts/urls.py).
urlpatterns = [
    path("tokens/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
    path(
        "secret-scanning/github/",
        views.GitHubSecretScanningView.as_view(),
        name="secret-scanning-github",
    ),
]
