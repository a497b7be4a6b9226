"""What the admin shows of a token: columns, labels and short dates."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Token

# Shown everywhere a token appears; the digest is never among them.
TOKEN_FIELDS = (
    "prefix",
    "name",
    "kind",
    "scope_list",
    "created_at",
    "last_used_at",
    "expires_at",
    "idle_timeout",
    "allowed_ips",
    "last_used_ip",
    "revoked_at",
    "revoked_reason",
    "leak_url",
)


# The user page lists tokens with a box to revoke each; nothing else is editable.
INLINE_TOKEN_FIELDS = (
    "prefix",
    "name",
    "scope_list",
    "created_at",
    "last_used_at",
    "last_used_ip",
    "expires_at",
    "state",
)


def revoked_message(count: int) -> str:
    return ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count


@admin.display(description=_("scopes"))
def scope_list(obj: Token) -> str:
    # "read, write" rather than the stored JSON list.
    return ", ".join(obj.scopes or ()) or "-"


def short(moment) -> str:
    # A narrow "2026-11-30 23:07" instead of "Nov. 30, 2026, 11:07 p.m.".
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"
