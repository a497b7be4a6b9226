from django.apps import AppConfig


class LeaksConfig(AppConfig):
    """Leak response: revocation by whoever holds a token, and secret scanning."""

    name = "accounts.leaks"
    label = "leaks"
    verbose_name = "Leak response"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import routes

        routes.add("accounts.leaks.urls")
