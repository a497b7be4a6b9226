"""Signals for projects that want to react to token events (e.g. notify the user).

Both send `token` (a Token instance) and `reason` (a Token.RevokeReason value or "").
"""

from django.dispatch import Signal

token_issued = Signal()
token_revoked = Signal()
