"""Signals for projects that want to react to token events (e.g. notify the user).

Both token signals send `token` (a Token instance) and `reason` (a Token.RevokeReason
value or ""). `password_changed` sends `user`, `reason` (password_change or password_reset)
and `request`.
"""

from django.dispatch import Signal

token_issued = Signal()
token_revoked = Signal()
password_changed = Signal()
