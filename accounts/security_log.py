"""The auth event log: one JSON line per security event on the `accounts.security` logger.

Each line names the event, the client IP and who: a user id, or the SHA-256 of the
normalised email when there is no user. Tokens appear only by their display
prefix; raw tokens, passwords and emails never do.
"""

import contextvars
import hashlib
import json
import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

logger = logging.getLogger("accounts.security")

# The client IP of the request being served, set by accounts.middleware, for
# events whose signal carries no request (token issue and revoke).
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def _ip(request) -> str | None:
    if request is not None:
        from accounts.clientip import client_ip

        return client_ip(request)
    return current_ip.get()


def event(name: str, request=None, **fields) -> None:
    """Log one security event as a JSON object."""
    record = {"event": name, "ip": _ip(request), **fields}
    logger.info(json.dumps(record, sort_keys=True, default=str), extra={"security": record})


def email_hash(email: object) -> str:
    """The SHA-256 of the normalised email: stable for correlation, and not the email."""
    from accounts.models import UserManager

    normalised = UserManager.normalize_email(str(email or ""))
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


def _on_logged_in(sender, request, user, **kwargs) -> None:
    event("login.success", request, user_id=user.pk)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    event("logout", request, user_id=getattr(user, "pk", None))


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    from accounts import lockout

    # Django has already masked the password in `credentials`; only the email is used.
    email = str(credentials.get("email", credentials.get("username")) or "")
    # Whether the email is locked after this attempt (login.lockout marks when it happened).
    event("login.failure", request, email_hash=email_hash(email), locked=lockout.is_locked(email))


def _on_token_issued(sender, token, reason="", **kwargs) -> None:
    event(
        "token.issued",
        user_id=token.user_id,
        token_prefix=token.prefix,
        kind=token.kind,
        scopes=token.scopes,
    )


def _on_token_revoked(sender, token, reason="", **kwargs) -> None:
    event("token.revoked", user_id=token.user_id, token_prefix=token.prefix, reason=reason)


def connect() -> None:
    """Connect the receivers (called from AccountsConfig.ready)."""
    from accounts.signals import token_issued, token_revoked

    user_logged_in.connect(_on_logged_in, dispatch_uid="accounts.security.logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="accounts.security.logged_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="accounts.security.login_failed")
    token_issued.connect(_on_token_issued, dispatch_uid="accounts.security.token_issued")
    token_revoked.connect(_on_token_revoked, dispatch_uid="accounts.security.token_revoked")
