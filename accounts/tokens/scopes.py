"""Token scopes: what a request needs, and the one check every kind of view shares.

The rule no view can drop: an unsafe method (POST, PUT, PATCH, DELETE) needs `write`.
Safe methods need `read` (`write` includes it). On top of that a view may require scopes
of the project's own (ACCOUNTS_TOKEN_SCOPES) with `required_scopes`, a list for every
method or a dict by method; for a safe method those replace `read`. A view whose unsafe
method changes nothing (a search by POST, say) lists it in `read_scope_methods`.
"""

from collections.abc import Collection, Mapping

from accounts.conf import app_settings
from accounts.exceptions import InsufficientScope

READ = "read"
WRITE = "write"
# Lets a token ask about other tokens (POST /api/auth/introspect/); only an administrator
# grants it (createtoken, the admin), so it is never one of the scopes users may choose.
INTROSPECT = "introspect"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Required = Collection[str] | Mapping[str, Collection[str]] | None


def user_scopes() -> tuple[str, ...]:
    """The scopes users may ask for (ACCOUNTS_TOKEN_SCOPES); login tokens get all of them."""
    return app_settings.TOKEN_SCOPES


def admin_scopes() -> tuple[str, ...]:
    """The scopes an administrator may grant: the users' ones and `introspect`."""
    return (*app_settings.TOKEN_SCOPES, INTROSPECT)


def needed(
    method: str, required: Required = None, read_scope_methods: Collection[str] = ()
) -> list[str]:
    """The scopes a request with `method` needs (`write` also satisfies `read`)."""
    if isinstance(required, Mapping):
        required = required.get(method, ())
    if method not in SAFE_METHODS and method not in read_scope_methods:
        return [WRITE, *(required or ())]
    return list(required or ()) or [READ]


def missing(
    granted: Collection[str],
    method: str,
    required: Required = None,
    read_scope_methods: Collection[str] = (),
) -> list[str]:
    """The scopes a token with `granted` lacks for `method`; empty when it may go on."""
    if isinstance(required, Mapping):
        required = required.get(method, ())
    lacking = [scope for scope in required or () if scope not in granted]
    if method not in SAFE_METHODS and method not in read_scope_methods:
        if WRITE not in granted:
            lacking.insert(0, WRITE)
    elif not required and READ not in granted and WRITE not in granted:
        lacking.append(READ)
    return lacking


def check(
    token,
    method: str,
    required: Required = None,
    read_scope_methods: Collection[str] = (),
) -> None:
    """Raise InsufficientScope (403, naming the scopes) unless `token` may make this request."""
    lacking = missing(token.scopes or (), method, required, read_scope_methods)
    if lacking:
        raise InsufficientScope(" ".join(lacking))


def check_view(token, method: str, view) -> None:
    """`check` with the view's own `required_scopes` and `read_scope_methods`, if any."""
    check(
        token,
        method,
        getattr(view, "required_scopes", None),
        getattr(view, "read_scope_methods", ()),
    )
