"""Security notices to a token's or account's owner: short, plain text, never a secret.

Sent through accounts.mail.delivery (a queued task), unless ACCOUNTS_SECURITY_EMAILS is off.
The core sends them on its lifecycle events (accounts/receivers.py); the leak response
(accounts/leaks) and `notifyexpiringtokens` call them directly.
"""

from datetime import UTC, datetime

from django.utils import timezone

from accounts.conf import app_settings
from accounts.mail import delivery as emails
from accounts.models import Token, User

_FOOTER = (
    "\n\nIf this was not you, change your password and revoke your tokens "
    "(POST /api/auth/logout-all/).\n"
)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _describe(token: Token) -> str:
    # The display prefix names the token without revealing anything usable.
    return f'"{token.name}" ({token.prefix}…)' if token.name else f"{token.prefix}…"


def _send(user: User, subject: str, body: str) -> None:
    if not app_settings.SECURITY_EMAILS or not user.email:
        return
    emails.send_email(user.email, subject, body)


def token_created(token: Token, ip: str | None) -> None:
    _send(
        token.user,
        f"A personal access token was created: {token.prefix}",
        f"A personal access token {_describe(token)} was created for your account.\n\n"
        f"Scopes: {', '.join(token.scopes or ()) or 'none'}\n"
        f"Expires: {_when(token.expires_at)}\n"
        f"Created: {_when(token.created_at)} from {ip or 'an unknown address'}"
        f"{_FOOTER}",
    )


def token_leaked(token: Token, where: str) -> None:
    used = (
        f"It was last used {_when(token.last_used_at)} from {token.last_used_ip}."
        if token.last_used_at and token.last_used_ip
        else f"It was last used: {_when(token.last_used_at)}."
    )
    _send(
        token.user,
        f"Your token {token.prefix} was revoked because it leaked",
        f"Your token {_describe(token)} was revoked at {_when(token.revoked_at)} because it "
        f"was found where others can see it.\n\n"
        f"Where it was found: {where}\n"
        f"{used}\n\n"
        "It no longer works. If you still need one, create a new token and keep it out of "
        "code, logs and chats. If you did not publish it yourself, review your account."
        f"{_FOOTER}",
    )


def password_changed(user: User, reason: str, ip: str | None) -> None:
    how = "reset with an emailed code" if reason == Token.RevokeReason.PASSWORD_RESET else "changed"
    _send(
        user,
        "Your password was changed",
        f"The password of your account {user.email} was {how} at {_when(timezone.now())} "
        f"from {ip or 'an unknown address'}. Your other tokens were revoked.{_FOOTER}",
    )


def email_changed(user: User, old_email: str, ip: str | None) -> None:
    """Tell both addresses; the old one above all, which can no longer reset the password."""
    if not app_settings.SECURITY_EMAILS:
        return
    when, where = _when(timezone.now()), ip or "an unknown address"
    emails.send_email(
        old_email,
        "The email address of your account was changed",
        f"The email address of your account {old_email} was changed to {user.email} at {when} "
        f"from {where}. Password resets and security emails now go to the new address.\n\n"
        "If this was not you, your account may have been taken over: contact an administrator "
        "at once.\n",
    )
    _send(
        user,
        "This is now your account's email address",
        f"The email address of your account was changed from {old_email} to {user.email} at "
        f"{when} from {where}.{_FOOTER}",
    )


def token_expiring(token: Token) -> None:
    _send(
        token.user,
        f"Your token {token.prefix} expires soon",
        f"Your personal access token {_describe(token)} expires {_when(token.expires_at)}.\n\n"
        "Create a new token before then if you still need one (POST /api/auth/tokens/), and "
        "revoke this one once you have replaced it.\n",
    )
