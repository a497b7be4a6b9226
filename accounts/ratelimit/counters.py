"""Counters in Django's cache, shared by every worker and host.

The cache is the database cache table by default and Redis when REDIS_URL is set;
both increment atomically (see accounts/ratelimit/cache.py for the database).
"""

from django.core.cache import caches

from accounts.conf import app_settings
from accounts.http import outages


def counter_cache():
    return caches[app_settings.CACHE]


def hit(key: str, timeout: int) -> int:
    """Add one to the counter at `key`, created to expire in `timeout` seconds; return it."""
    cache = counter_cache()
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:
        # It expired between add() and incr(): this hit starts a new window.
        cache.set(key, 1, timeout)
        count = 1
    # The cache answered: a Redis outage, if one was going on, is over (one log line).
    outages.end(outages.CACHE)
    return count
