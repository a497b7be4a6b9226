"""MFA's own announcement, for other features (a new method's factors go with the rest).

`mfa_reset(user, request)`, sender=User: every factor of the user was removed, by the user
(DELETE /api/auth/mfa/) or by a superuser's reset in the admin (`operator_id` then names
them). Sent inside the transaction that deletes the factors.
"""

from django.dispatch import Signal

mfa_reset = Signal()
