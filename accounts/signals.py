"""The core's announcements: token events and account lifecycle events.

Features (accounts/mfa, accounts/leaks, ...) react in their own receivers.py, so a new
path that changes an account cannot forget a reaction: it only has to announce the event.

Both token signals send `token` (a Token instance) and `reason` (a Token.RevokeReason
value or ""). The account signals are sent with sender=User and keyword arguments:

- `password_changed(user, reason, request)`: any new password, on every path (API change
  or reset, admin, `manage.py changepassword`, code), sent by `User.save`;
  `reason` is a Token.RevokeReason value (password_change or password_reset).
- `email_changed(user, old_email, request)`: any change of the email, sent by `User.save`.
- `tokens_revoked_all(user, reason, request)`: every token of the user revoked at once
  (logout-all, the admin's bulk action, `revoketokens --user`), sent by `User.revoke_all_tokens`.
- `user_deactivated(user, request)`: `is_active` went from true to false, sent by `User.save`.
- `password_reset_email(user, notes)`: a reset email is being written for `user`; receivers
  may append paragraphs (plain text) to the list `notes`, which the email shows.

`request` is the request that made the change when one is known (else None).
"""

from django.dispatch import Signal

token_issued = Signal()
token_revoked = Signal()
password_changed = Signal()
email_changed = Signal()
tokens_revoked_all = Signal()
user_deactivated = Signal()
password_reset_email = Signal()
