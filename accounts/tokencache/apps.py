from django.apps import AppConfig


class TokenCacheConfig(AppConfig):
    name = "accounts.tokencache"
    label = "tokencache"
    verbose_name = "Token cache"

    def ready(self) -> None:
        # Changes made by this process evict at once, before any notification arrives.
        from accounts.tokencache import receivers

        receivers.connect()
