"""The token check's lookup, through the cache when it may serve."""

from django.db import connections

from accounts.conf import app_settings
from accounts.models import Token
from accounts.tokencache import listener
from accounts.tokencache.cache import token_cache
from accounts.tokens import lookup as token_lookup


def _cache_usable(alias: str) -> bool:
    if not app_settings.TOKEN_CACHE:
        return False
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return False
    # Inside a transaction this connection may see writes not yet committed (and never
    # notified, if rolled back): read and store nothing then.
    if connection.in_atomic_block:
        return False
    listener.ensure_started(alias)
    return True


def find(digest: str, alias: str = "default") -> Token | None:
    """The token with `digest` and its user, or None."""
    if not _cache_usable(alias):
        row = token_lookup.fetch_row(digest, alias)
        return None if row is None else token_lookup.build(row, alias)
    entry = token_cache.get(
        digest,
        app_settings.TOKEN_CACHE_MAX_AGE.total_seconds(),
        app_settings.TOKEN_CACHE_HEARTBEAT_MAX_AGE.total_seconds(),
    )
    if entry is not None:
        token = token_lookup.build(entry.row, alias)
        if entry.last_used_at is not None:
            token.last_used_at = entry.last_used_at
        return token
    generation = token_cache.generation
    row = token_lookup.fetch_row(digest, alias)
    if row is None:
        return None
    token = token_lookup.build(row, alias)
    token_cache.put(
        digest,
        row,
        token.pk,
        token.user_id,
        generation,
        app_settings.TOKEN_CACHE_SIZE,
    )
    return token


def remember_use(digest: str, token: Token) -> None:
    """Keep the cached last_used_at current, so the write stays once per interval."""
    token_cache.remember_use(digest, token.pk, token.last_used_at)
