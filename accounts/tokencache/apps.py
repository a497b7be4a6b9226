from django.apps import AppConfig


class TokenCacheConfig(AppConfig):
    name = "accounts.tokencache"
    label = "tokencache"
    verbose_name = "Token cache"

    def ready(self) -> None:
        # Changes made by this process evict at once, before any notification arrives.
        from accounts.tokencache import lookup, receivers
        from accounts.tokens import lookup as token_lookup

        receivers.connect()
        # The token check asks accounts/tokens/lookup.py; the cache answers there from now on.
        token_lookup.install(lookup.find, lookup.remember_use)
