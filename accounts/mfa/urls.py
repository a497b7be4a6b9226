from django.urls import path

from accounts.mfa import login_views, views

# Under /api/, in the accounts namespace (added to accounts.urls from apps.py).
urlpatterns = [
    path("auth/mfa/", views.MFAView.as_view(), name="mfa"),
    path("auth/mfa/totp/", views.TOTPSetupView.as_view(), name="mfa-totp"),
    path("auth/mfa/totp/confirm/", views.TOTPConfirmView.as_view(), name="mfa-totp-confirm"),
    path("auth/mfa/recovery-codes/", views.RecoveryCodesView.as_view(), name="mfa-recovery-codes"),
    path("auth/login/mfa/", login_views.MFALoginView.as_view(), name="login-mfa"),
    path("auth/login/mfa/email/", login_views.MFAEmailView.as_view(), name="login-mfa-email"),
    path(
        "auth/login/mfa/passkey/begin/",
        login_views.MFAPasskeyBeginView.as_view(),
        name="login-mfa-passkey-begin",
    ),
]
