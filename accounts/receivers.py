"""The core's own reactions to auth, token and account events: the event log and the notices.

Features connect their receivers in their own receivers.py; the core's are here.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from accounts import security_log
from accounts.http.clientip import client_ip, current_ip
from accounts.mail import notices
from accounts.models import Token, User
from accounts.ratelimit import lockout
from accounts.signals import email_changed, password_changed, token_issued, token_revoked


def _on_logged_in(sender, request, user, **kwargs) -> None:
    security_log.event("login.success", request, user_id=user.pk)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    security_log.event("logout", request, user_id=getattr(user, "pk", None))


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in `credentials`; only the email is used.
    email = str(credentials.get("email", credentials.get("username")) or "")
    # Whether the email is locked after this attempt (login.lockout marks when it happened).
    security_log.event(
        "login.failure",
        request,
        email_hash=security_log.email_hash(email),
        locked=lockout.is_locked(email),
    )


def _on_token_issued(sender, token, reason="", **kwargs) -> None:
    security_log.event(
        "token.issued",
        user_id=token.user_id,
        token_prefix=token.prefix,
        kind=token.kind,
        scopes=token.scopes,
    )


def _on_token_revoked(sender, token, reason="", **kwargs) -> None:
    security_log.event(
        "token.revoked", user_id=token.user_id, token_prefix=token.prefix, reason=reason
    )


def _notify_token_created(sender, token: Token, reason: str = "", **kwargs) -> None:
    if token.kind == Token.Kind.PERSONAL:
        notices.token_created(token, current_ip.get())


def _ip_of(request) -> str | None:
    # Paths without a request at hand (the admin's forms) still run inside one.
    return client_ip(request) if request is not None else current_ip.get()


def _notify_password_changed(sender, user: User, reason: str, request=None, **kwargs) -> None:
    notices.password_changed(user, reason, _ip_of(request))


def _notify_email_changed(sender, user: User, old_email: str, request=None, **kwargs) -> None:
    notices.email_changed(user, old_email, _ip_of(request))


def connect() -> None:
    """Connect the receivers (called from AccountsConfig.ready)."""
    user_logged_in.connect(_on_logged_in, dispatch_uid="accounts.security.logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="accounts.security.logged_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="accounts.security.login_failed")
    token_issued.connect(_on_token_issued, dispatch_uid="accounts.security.token_issued")
    token_revoked.connect(_on_token_revoked, dispatch_uid="accounts.security.token_revoked")
    token_issued.connect(_notify_token_created, dispatch_uid="accounts.notices.token_issued")
    password_changed.connect(
        _notify_password_changed, dispatch_uid="accounts.notices.password_changed"
    )
    email_changed.connect(_notify_email_changed, dispatch_uid="accounts.notices.email_changed")
