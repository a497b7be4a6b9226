"""The admin: user pages (users.py) and token pages (tokens.py) on the rate-limited site."""

from accounts.admin.tokens import TokenAdmin
from accounts.admin.users import UserAdmin

__all__ = ["TokenAdmin", "UserAdmin"]
