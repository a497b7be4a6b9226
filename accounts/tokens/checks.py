"""System check: every scope a DRF view requires is one that tokens can hold.

A typo in `required_scopes`, or a scope not added to ACCOUNTS_TOKEN_SCOPES, would
refuse every token with 403; `manage.py check` (run by runserver and migrate) says so.
"""

from collections.abc import Mapping

from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.tokens.scopes import admin_scopes


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            if view is not None:
                yield view


@checks.register(checks.Tags.urls)
def check_required_scopes(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    known = set(admin_scopes())
    errors: list[checks.CheckMessage] = []
    for view in set(_views(get_resolver().url_patterns)):
        required = getattr(view, "required_scopes", None) or ()
        if isinstance(required, Mapping):
            required = [scope for scopes in required.values() for scope in scopes]
        unknown = sorted(set(required) - known)
        if unknown:
            errors.append(
                checks.Error(
                    f"{view.__module__}.{view.__qualname__} requires scopes no token can hold: "
                    f"{', '.join(unknown)}.",
                    hint="Add them to ACCOUNTS_TOKEN_SCOPES (docs/your-api.md).",
                    obj=view,
                    id="accounts.E101",
                )
            )
    return errors
