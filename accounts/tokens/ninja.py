"""django-ninja views protected by tokens: `NinjaAPI(auth=TokenBearer())`.

django-ninja is optional: nothing else imports this module. With it installed:

    api = NinjaAPI(auth=TokenBearer())
    handle_token_errors(api)  # the WWW-Authenticate header on 401 and 403, as DRF sends

Without `handle_token_errors` the status and body are still DRF's; only the header is missing.
"""

from collections.abc import Collection

from rest_framework.exceptions import APIException

from accounts.tokens import guard
from accounts.tokens.scopes import Required

try:
    from ninja.errors import HttpError
    from ninja.security import HttpBearer
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "accounts.tokens.ninja needs django-ninja: pip install django-ninja"
    ) from error


class TokenError(HttpError):
    """A refused token, with DRF's status, message and WWW-Authenticate value."""

    def __init__(self, exc: APIException):
        super().__init__(exc.status_code, str(exc.detail))
        self.www_authenticate = guard.challenge(exc)


class TokenBearer(HttpBearer):
    """ninja auth by `Authorization: Bearer <token>`: request.auth is the Token.

    `scopes` and `read_scope_methods` mean what `required_scopes` and `read_scope_methods`
    mean on a DRF view; unsafe methods always need `write` otherwise.
    """

    def __init__(self, *, scopes: Required = None, read_scope_methods: Collection[str] = ()):
        super().__init__()
        self.scopes = scopes
        self.read_scope_methods = read_scope_methods

    def __call__(self, request):
        # Not HttpBearer's parsing: ours also takes the Token keyword and explains errors.
        try:
            user, token = guard.authenticate(request, self.scopes, self.read_scope_methods)
        except APIException as exc:
            raise TokenError(exc) from None
        request.user = user
        return token

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        raise NotImplementedError


def handle_token_errors(api) -> None:
    """Answer TokenError on `api` exactly as DRF views answer a refused token."""

    def respond(request, exc: TokenError):
        response = api.create_response(request, {"detail": exc.message}, status=exc.status_code)
        if exc.www_authenticate:
            response["WWW-Authenticate"] = exc.www_authenticate
        return response

    api.add_exception_handler(TokenError, respond)
