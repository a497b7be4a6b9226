"""The seam between the account core and a second factor.

The core (API login, browser logins, the admin site, re-authentication, the login
lock) asks its few questions here and never imports a feature. A second-factor
feature (accounts/mfa) plugs in once, from its AppConfig.ready(), with
`register(provider)`. With nothing registered every account is password-only.
"""

from collections.abc import Callable
from typing import Any, Protocol

from django.http import HttpRequest, HttpResponse


class SecondFactor(Protocol):
    def is_enabled(self, user: Any) -> bool:
        """Whether the account has a second factor turned on."""

    def begin_login(self, user: Any, request: Any, *, name: str) -> dict | None:
        """After the right password at the API: the pending-login body, or None for a token."""

    def begin_session_login(
        self, request: HttpRequest, user: Any, *, next_url: str, second_step_url: str
    ) -> HttpResponse | None:
        """After the right password in a browser form: the redirect to the second page, or None."""

    def second_step_view(self, **initkwargs: Any) -> Callable | None:
        """The browser's second page as a view (for the admin and the browsable API)."""

    def staff_refusal(self, user: Any) -> str | None:
        """Why this staff user may not use the admin yet (policy wants a second factor), or None."""

    def check_code(
        self, user: Any, code: str | None, request: Any = None, *, step: str = "reauth"
    ) -> list[str] | None:
        """Re-authentication's (or a reset's) second factor: errors for `code`, None if passed."""

    def login_result_serializers(self) -> list:
        """Serializers for the OpenAPI description of the login answers it adds."""


class PasswordOnly:
    """The answers with no second factor installed."""

    def is_enabled(self, user: Any) -> bool:
        return False

    def begin_login(self, user: Any, request: Any, *, name: str) -> dict | None:
        return None

    def begin_session_login(self, request, user, *, next_url, second_step_url):
        return None

    def second_step_view(self, **initkwargs: Any) -> Callable | None:
        return None

    def staff_refusal(self, user: Any) -> str | None:
        return None

    def check_code(
        self, user: Any, code: str | None, request: Any = None, *, step: str = "reauth"
    ) -> list[str] | None:
        return None

    def login_result_serializers(self) -> list:
        return []


_provider: SecondFactor = PasswordOnly()


def register(provider: SecondFactor) -> None:
    """Plug a second factor into the core (call it from AppConfig.ready())."""
    global _provider
    _provider = provider


def get() -> SecondFactor:
    """The registered second factor, or PasswordOnly."""
    return _provider
