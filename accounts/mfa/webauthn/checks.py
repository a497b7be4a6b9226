"""Deploy check: passkeys in production need their own RP ID and origins.

The defaults (localhost) only suit a development checkout; in production a passkey is
bound to a domain once and for all, so the operator names it (ACCOUNTS_WEBAUTHN_RP_ID,
ACCOUNTS_WEBAUTHN_ORIGINS) or switches passkeys off (ACCOUNTS_WEBAUTHN_ENABLED).
"""

from django.conf import settings
from django.core import checks

from accounts.mfa.conf import webauthn_settings


@checks.register(checks.Tags.security, deploy=True)
def check_webauthn_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or not webauthn_settings.ENABLED:
        return []
    missing = [
        name
        for name in ("ACCOUNTS_WEBAUTHN_RP_ID", "ACCOUNTS_WEBAUTHN_ORIGINS")
        if not getattr(settings, name, None)
    ]
    if not missing:
        return []
    return [
        checks.Error(
            f"Passkeys are on but {' and '.join(missing)} are not set.",
            hint=(
                "Set them to the domain and origins users sign in on (docs/passkeys.md), "
                "or set ACCOUNTS_WEBAUTHN_ENABLED=off."
            ),
            id="mfa.E001",
        )
    ]
