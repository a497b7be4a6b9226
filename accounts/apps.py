from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI extensions (bearer scheme, error bodies) with drf-spectacular.
        from accounts import (
            schema,  # noqa: F401
            security_log,
        )

        # The auth event log (logger accounts.security) listens to the auth and token signals.
        security_log.connect()
