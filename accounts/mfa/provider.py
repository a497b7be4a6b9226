"""MFA's answers to the core's questions (accounts/second_factor.py), registered in apps.py."""

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse

from accounts.mfa import login, reauth, service, session
from accounts.mfa.serializers import ChallengeSerializer


class MFA:
    def is_enabled(self, user: Any) -> bool:
        return service.is_enabled(user)

    def begin_login(self, user: Any, request: Any, *, name: str) -> dict | None:
        return login.challenge_for(user, request, name=name)

    def begin_session_login(
        self, request, user, *, next_url: str, second_step_url: str
    ) -> HttpResponse | None:
        return session.begin(request, user, next_url=next_url, second_step_url=second_step_url)

    def second_step_view(self, **initkwargs: Any) -> Callable | None:
        return session.SecondStepView.as_view(**initkwargs)

    def staff_refusal(self, user: Any) -> str | None:
        return str(session.REQUIRED_FOR_STAFF) if session.staff_needs_mfa(user) else None

    def check_code(
        self, user: Any, code: str | None, request: Any = None, *, step: str = "reauth"
    ) -> list[str] | None:
        return reauth.check_code(user, code, request, step=step)

    def login_result_serializers(self) -> list:
        return [ChallengeSerializer]
