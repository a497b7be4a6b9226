"""Evict on changes this process makes, without waiting for the notification."""

from django.db.models.signals import post_delete, post_save

from accounts.models import Token, User
from accounts.signals import token_revoked
from accounts.tokencache.cache import token_cache

# Writes that only record use change nothing authentication depends on.
_USE_ONLY = ({"last_used_at"}, {"last_login"})


def _token_changed(sender, instance=None, token=None, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) in _USE_ONLY:
        return
    token_cache.evict_token((token or instance).pk)


def _user_changed(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) in _USE_ONLY:
        return
    token_cache.evict_user(instance.pk)


def connect() -> None:
    uid = "accounts.tokencache"
    token_revoked.connect(_token_changed, sender=Token, dispatch_uid=f"{uid}.revoked")
    post_save.connect(_token_changed, sender=Token, dispatch_uid=f"{uid}.token_saved")
    post_delete.connect(_token_changed, sender=Token, dispatch_uid=f"{uid}.token_deleted")
    post_save.connect(_user_changed, sender=User, dispatch_uid=f"{uid}.user_saved")
    post_delete.connect(_user_changed, sender=User, dispatch_uid=f"{uid}.user_deleted")
