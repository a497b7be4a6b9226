from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI extensions (bearer scheme, error bodies) with drf-spectacular.
        from accounts import receivers
        from accounts.api import schema  # noqa: F401
        from accounts.tokens import checks  # noqa: F401 (registers the required-scopes check)

        # The auth event log (logger accounts.security) listens to the auth and token signals.
        receivers.connect()
