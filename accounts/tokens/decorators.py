"""Plain Django views protected by tokens: `@token_required`."""

from collections.abc import Callable, Collection
from functools import wraps

from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import APIException

from accounts.tokens import guard
from accounts.tokens.scopes import Required


def token_required(
    view: Callable | None = None,
    *,
    scopes: Required = None,
    read_scope_methods: Collection[str] = (),
):
    """Let only requests with a working bearer token (and its scopes) reach `view`.

    Sets request.user and request.auth (the Token); refuses with DRF's bodies and
    headers (401, 403 naming the missing scope, 400 for a malformed header). `scopes`
    and `read_scope_methods` mean what `required_scopes` and `read_scope_methods` mean on
    a DRF view. Usable bare (`@token_required`) or with arguments.
    """

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            try:
                request.user, request.auth = guard.authenticate(request, scopes, read_scope_methods)
            except APIException as exc:
                return guard.error_response(exc)
            return func(request, *args, **kwargs)

        # Only the Authorization header authenticates here, which a browser never adds to a
        # cross-site request by itself: CSRF cannot forge it, and no cookie is trusted.
        return csrf_exempt(wrapped)

    return decorate(view) if view is not None else decorate
