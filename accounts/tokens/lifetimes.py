"""How long a personal access token lives, within ACCOUNTS_TOKEN_MAX_TTL.

Shared by the API and the createtoken command, so both refuse the same values.
"""

from datetime import timedelta

from django.utils.translation import gettext as _

from accounts.conf import app_settings

# Even without a maximum, an expiry must stay a representable date.
ABSOLUTE_MAX_DAYS = 100 * 365


def max_days() -> int:
    max_ttl = app_settings.TOKEN_MAX_TTL
    return ABSOLUTE_MAX_DAYS if max_ttl is None else max_ttl // timedelta(days=1)


def _check_expiry_required() -> None:
    # GitLab's rule: a token that never expires outlives everyone's memory of it.
    if app_settings.TOKEN_REQUIRE_EXPIRY:
        raise ValueError(
            _("Personal access tokens must expire: give a number of days (max %(days)d).")
            % {"days": max_days()}
        )


def default_personal_ttl() -> timedelta | None:
    """A login token's lifetime (ACCOUNTS_TOKEN_TTL), never longer than the maximum.

    ValueError when that is "never" and ACCOUNTS_TOKEN_REQUIRE_EXPIRY is on.
    """
    limits = [ttl for ttl in (app_settings.TOKEN_TTL, app_settings.TOKEN_MAX_TTL) if ttl]
    if not limits:
        _check_expiry_required()
    return min(limits) if limits else None


def personal_ttl(days: int | None) -> timedelta | None:
    """Return the lifetime for `days` (None: never expires); ValueError if not allowed."""
    if days is None:
        _check_expiry_required()
        if app_settings.TOKEN_MAX_TTL is not None:
            raise ValueError(_("Tokens must expire within %(days)d days.") % {"days": max_days()})
        return None
    if days < 1:
        raise ValueError(_("Ensure this value is greater than or equal to 1."))
    # Refused, not clamped: a script must not get a shorter token than it asked for unnoticed.
    if days > max_days():
        raise ValueError(_("Tokens can live at most %(days)d days.") % {"days": max_days()})
    return timedelta(days=days)


def expiry_help_text() -> str:
    """The expires_in_days help for people: the limits in days, read when shown."""
    try:
        default = default_personal_ttl()
    except ValueError:  # ACCOUNTS_TOKEN_REQUIRE_EXPIRY with no default lifetime
        omitted = _("Required.")
    else:
        omitted = (
            _("Omitted: %(days)d days.") % {"days": default // timedelta(days=1)}
            if default
            else _("Omitted: never.")
        )
    if app_settings.TOKEN_MAX_TTL is None:
        return _("Days until the token expires; null for never. %(omitted)s") % {"omitted": omitted}
    return _("Days until the token expires, at most %(days)d. %(omitted)s") % {
        "days": max_days(),
        "omitted": omitted,
    }
