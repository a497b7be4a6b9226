"""The project's OpenAPI schema class: bearer scheme, tags, summaries and error responses.

`AutoSchema` (the project's DEFAULT_SCHEMA_CLASS) adds the error responses a view can
produce to every operation, so new views are documented without repeating them:
- 400 when the operation takes a body (field errors) or reads tokens (malformed header);
- 401 when the view authenticates requests;
- 403 for unsafe methods on views with session authentication (CSRF) or token scopes;
- 404 when the path has parameters;
- 429 when the view has throttle classes.
A view lists anything else with `extend_schema(responses={..., 403: FORBIDDEN})`; the
OpenApiResponse objects of accounts/http/schema.py are the reusable set. An error response
declared with a description only (`OpenApiResponse(description=...)`) gets the standard
body for its code.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import SessionAuthentication

from accounts.http.schema import (
    BAD_REQUEST,
    BAD_REQUEST_OR_MALFORMED_AUTHORIZATION,
    FORBIDDEN,
    MALFORMED_AUTHORIZATION,
    NOT_FOUND,
    RETRY_AFTER,
    THROTTLED,
    UNAUTHORIZED,
    WWW_AUTHENTICATE,
    ErrorSerializer,
)
from accounts.tokens import scopes
from accounts.tokens.authentication import TokenAuthentication
from accounts.tokens.scopes import READ, WRITE


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.tokens.authentication.TokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ast_ token",
            "description": (
                "Paste the token alone (`ast_...`, from `POST /api/auth/login/`), without the "
                "`Bearer` keyword: it is added for you. Clients send "
                "`Authorization: Bearer <token>`; the keyword `Token` is accepted too, for "
                "clients written for DRF's authtoken; keywords are case-insensitive. "
                f"Token scopes: {_scope_list()}. Each operation names the scopes it needs "
                "(`x-token-scopes`); a token without them gets 403."
            ),
        }


def _scope_list() -> str:
    own = [f"`{scope}`" for scope in scopes.user_scopes() if scope not in (READ, WRITE)]
    return (
        "`read` (safe methods), `write` (every method)"
        + (f", this API's own {', '.join(own)}" if own else "")
        + ", and `introspect` (granted by administrators, for `POST /api/auth/introspect/`)"
    )


def describe_scopes(operation: dict, view, method: str) -> None:
    """Name the scopes `method` on `view` needs: `x-token-scopes` and a sentence."""
    needed = scopes.needed(
        method,
        getattr(view, "required_scopes", None),
        getattr(view, "read_scope_methods", ()),
    )
    operation["x-token-scopes"] = needed
    note = "Token scopes needed: " + ", ".join(f"`{scope}`" for scope in needed) + "."
    description = operation.get("description")
    operation["description"] = f"{description}\n\n{note}" if description else note


_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Each operation's group in Swagger UI and ReDoc, by path prefix (the first match wins).
TAGS = [
    ("/api/auth/tokens/", "Tokens"),
    ("/api/auth/introspect/", "Tokens"),
    ("/api/auth/password/", "Passwords"),
    ("/api/auth/mfa/", "MFA"),
    ("/api/auth/", "Authentication"),
    ("/api/", "API"),
]
# Titles for people, where operation ids (`auth_login_create`) would show otherwise.
SUMMARIES = {
    ("/api/", "GET"): "List the endpoints",
    ("/api/auth/register/", "POST"): "Register",
    ("/api/auth/login/", "POST"): "Log in",
    ("/api/auth/me/", "GET"): "Show your account",
    ("/api/auth/me/", "PATCH"): "Change your names",
    ("/api/auth/logout/", "POST"): "Log out",
    ("/api/auth/logout-all/", "POST"): "Log out everywhere",
    ("/api/auth/tokens/", "GET"): "List your tokens",
    ("/api/auth/tokens/", "POST"): "Create a personal access token",
    ("/api/auth/tokens/{id}/", "GET"): "Show one of your tokens",
    ("/api/auth/tokens/{id}/", "DELETE"): "Revoke one of your tokens",
    ("/api/auth/introspect/", "POST"): "Introspect a token (for your services)",
    ("/api/auth/password/change/", "POST"): "Change your password",
    ("/api/auth/password/reset/", "POST"): "Ask for a password reset code",
    ("/api/auth/password/reset/confirm/", "POST"): "Reset your password with a code",
}
# Examples are written for `make run`; a served schema shows the host it was fetched from.
EXAMPLE_ORIGIN = "http://127.0.0.1:8000"


def use_request_origin(result, generator, request, public):
    """drf-spectacular postprocessing hook: examples name the origin the schema came from."""
    if request is None:
        return result
    origin = request.build_absolute_uri("/").rstrip("/")

    def replace(value):
        if isinstance(value, str):
            return value.replace(EXAMPLE_ORIGIN, origin)
        if isinstance(value, dict):
            return {key: replace(item) for key, item in value.items()}
        if isinstance(value, list):
            return [replace(item) for item in value]
        return value

    return replace(result)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus tags, summaries and the error responses of each view."""

    def get_tags(self) -> list[str]:
        return [next((tag for prefix, tag in TAGS if self.path.startswith(prefix)), "API")]

    def get_summary(self) -> str | None:
        explicit = super().get_summary()
        if explicit:
            return explicit
        if summary := SUMMARIES.get((self.path, self.method)):
            return summary
        # A new view without an entry: the first line of its docstring.
        doc = (self.view.__class__.__doc__ or "").strip()
        return doc.splitlines()[0].rstrip(".") if doc else None

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self._reads_tokens():
            describe_scopes(operation, self.view, self.method)
        return operation

    def get_override_parameters(self):
        headers = [RETRY_AFTER]
        if self._reads_tokens():
            headers.append(WWW_AUTHENTICATE)
        return [*super().get_override_parameters(), *headers]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        defaults = {str(code): response for code, response in self._error_responses().items()}
        for code, response in responses.items():
            # An error declared with a description only keeps it, over the standard body.
            if code.startswith("4") and "content" not in response:
                standard = defaults.pop(code, None) or OpenApiResponse(ErrorSerializer)
                body = self._get_response_for_code(standard, code)
                responses[code] = {
                    **body,
                    "description": response["description"] or body["description"],
                }
        for code, response in defaults.items():
            responses.setdefault(code, self._get_response_for_code(response, code))
        return dict(sorted(responses.items()))

    def _authenticators(self) -> tuple[type, ...]:
        return tuple(getattr(self.view, "authentication_classes", ()))

    def _reads_tokens(self) -> bool:
        return any(issubclass(cls, TokenAuthentication) for cls in self._authenticators())

    def _error_responses(self) -> dict[int, OpenApiResponse]:
        authenticators = self._authenticators()
        has_body = self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer()
        errors: dict[int, OpenApiResponse] = {}
        if has_body:
            errors[400] = (
                BAD_REQUEST_OR_MALFORMED_AUTHORIZATION if self._reads_tokens() else BAD_REQUEST
            )
        elif self._reads_tokens():
            errors[400] = MALFORMED_AUTHORIZATION
        if authenticators:
            errors[401] = UNAUTHORIZED
        # DRF checks CSRF on unsafe requests that a session authenticated; a token
        # needs the write scope for them, on every view that reads tokens.
        checks_scope = self._reads_tokens()
        has_session = any(issubclass(cls, SessionAuthentication) for cls in authenticators)
        if self.method in _UNSAFE_METHODS and (has_session or checks_scope):
            errors[403] = FORBIDDEN
        if "{" in self.path:
            errors[404] = NOT_FOUND
        if getattr(self.view, "throttle_classes", ()):
            errors[429] = THROTTLED
        return errors
