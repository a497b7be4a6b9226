"""DRF authentication by `Authorization: Bearer <token>` (or the `Token` keyword)."""

import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication

from accounts.exceptions import (
    InvalidToken,
    MalformedAuthorization,
    MissingKeyword,
    www_authenticate,
)
from accounts.http.clientip import client_ip
from accounts.security_log import event
from accounts.tokens import allowed_ips, last_used, lookup, scopes
from accounts.tokens import keys as tokens

# Bearer is RFC 6750's scheme; Token keeps clients written for DRF's authtoken working.
KEYWORDS = frozenset({"bearer", "token"})
MAX_HEADER_LENGTH = 1024
# RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def parse_authorization(header: str) -> str | None:
    """Return the credential from an Authorization header value.

    Return None when the header uses another scheme (left to other classes);
    raise MalformedAuthorization when it uses ours but cannot be read.
    """
    parts = header.split()
    if not parts or parts[0].lower() not in KEYWORDS:
        return None
    if len(header) > MAX_HEADER_LENGTH:
        raise MalformedAuthorization(_("Invalid token header. Header is too long."))
    if len(parts) == 1:
        raise MalformedAuthorization(_("Invalid token header. No credentials provided."))
    if len(parts) > 2:
        raise MalformedAuthorization(
            _("Invalid token header. Token string should not contain spaces.")
        )
    if not _B64TOKEN.fullmatch(parts[1]):
        raise MalformedAuthorization(
            _("Invalid token header. Token string should not contain invalid characters.")
        )
    return parts[1]


class TokenAuthentication(BaseAuthentication):
    """Authenticate a request by token, with one indexed query at most.

    Tokens in query strings and cookies are ignored: they leak into logs and
    history, and cookies would need CSRF protection.
    """

    def authenticate(self, request):
        result = self.authenticate_bearer(request)
        if result is not None:
            # Scopes are checked here, in the step DRF runs for every view, so that a view
            # replacing permission_classes (IsAuthenticated alone) cannot drop them.
            context = getattr(request, "parser_context", None) or {}
            scopes.check_view(result[1], request.method, context.get("view"))
        return result

    def authenticate_bearer(self, request):
        """The user and token of the Authorization header, scopes unchecked; None without one."""
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        raw = parse_authorization(header)
        if raw is None:
            if header.startswith(tokens.PREFIX) and " " not in header:
                # One of our tokens sent bare: say what is missing, not "not provided".
                raise MissingKeyword()
            return None
        return self.authenticate_credentials(raw, request)

    def authenticate_credentials(self, raw: str, request=None):
        # The checksum rejects typos and forgeries before any query.
        if not tokens.is_well_formed(raw):
            raise InvalidToken()
        digest = tokens.digest(raw)
        # One compiled query (accounts/tokens/lookup.py), or the cache that installed itself there.
        token = lookup.find(digest)
        if token is None:
            raise InvalidToken()
        now = timezone.now()
        # Unknown, expired, revoked and inactive all fail alike, so nothing leaks which.
        if not token.is_live(now) or not token.user.is_active:
            raise InvalidToken()
        ip = None
        if token.allowed_ips:
            # The address as the trusted-proxy rule computes it, so X-Forwarded-For cannot
            # fake it; refused like any bad token, so nothing tells a thief the token is real.
            ip = client_ip(request) if request is not None else ""
            if not allowed_ips.permits(token.allowed_ips, ip):
                event("token.ip_denied", request, user_id=token.user_id, token_prefix=token.prefix)
                raise InvalidToken()
        if last_used.is_due(token, now):
            if ip is None and request is not None:
                ip = client_ip(request)
            # Written after the response is sent (accounts/tokens/last_used.py).
            last_used.schedule(token, now, ip)
            lookup.remember_use(digest, token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return www_authenticate()
