from django.urls import path

from accounts.mfa.webauthn import browser, login_views, views

# Under /api/, in the accounts namespace (added to accounts.urls from accounts/mfa/apps.py).
urlpatterns = [
    path("auth/passkeys/", views.PasskeyListView.as_view(), name="passkeys"),
    path("auth/passkeys/begin/", views.PasskeyBeginView.as_view(), name="passkeys-begin"),
    path("auth/passkeys/<int:pk>/", views.PasskeyDetailView.as_view(), name="passkey-detail"),
    path(
        "auth/passkeys/reauth/begin/",
        views.PasskeyReauthBeginView.as_view(),
        name="passkeys-reauth-begin",
    ),
    path("auth/passkeys/reauth/", views.PasskeyReauthView.as_view(), name="passkeys-reauth"),
    path(
        "auth/login/passkey/begin/",
        login_views.PasswordlessBeginView.as_view(),
        name="login-passkey-begin",
    ),
    path("auth/login/passkey/", login_views.PasswordlessLoginView.as_view(), name="login-passkey"),
    # Browser pages (not JSON endpoints): the session sign-in form's target, and the page.
    path(
        "auth/login/passkey/session/",
        browser.SessionPasskeyLoginView.as_view(),
        name="login-passkey-session",
    ),
    path("auth/passkeys/manage/", browser.PasskeysPageView.as_view(), name="passkeys-page"),
]
