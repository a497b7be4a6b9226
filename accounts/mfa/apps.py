from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "accounts.mfa"
    label = "mfa"
    verbose_name = "Multi-factor authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import routes, second_factor
        from accounts.mfa import receivers
        from accounts.mfa.provider import MFA
        from accounts.mfa.webauthn import checks  # noqa: F401  (registers the deploy check)
        from accounts.mfa.webauthn import receivers as webauthn_receivers

        routes.add("accounts.mfa.urls")
        routes.add("accounts.mfa.webauthn.urls")
        # The core asks its second-step questions through this seam, never by importing MFA.
        second_factor.register(MFA())
        receivers.connect()
        webauthn_receivers.connect()
