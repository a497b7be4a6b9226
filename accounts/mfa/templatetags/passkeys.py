from django import template

from accounts.mfa.conf import webauthn_settings

register = template.Library()


@register.simple_tag
def passkeys_enabled() -> bool:
    """Whether the login pages offer "Sign in with a passkey" (ACCOUNTS_WEBAUTHN_ENABLED)."""
    return bool(webauthn_settings.ENABLED)
