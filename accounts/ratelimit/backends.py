"""The authentication backend every password login goes through: API, admin and browsable API."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts import second_factor
from accounts.exceptions import HashingBusy
from accounts.ratelimit import lockout


class LockoutBackend(ModelBackend):
    """ModelBackend plus the per-account failure lock of accounts.ratelimit.lockout.

    A locked email, existing or not, fails exactly like a wrong password: None,
    after running the hasher once, so neither the answer nor its timing tells
    that the lock is on or that the account exists.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        UserModel = get_user_model()
        if username is None:
            username = kwargs.get(UserModel.USERNAME_FIELD)
        if username is None or password is None:
            return None
        # Counted before the check, so parallel guesses cannot overshoot the limit.
        number = lockout.claim_attempt(username, request)
        if number is None:
            # The same single hash a check against an unknown email costs.
            UserModel().set_password(password)
            return None
        try:
            user = super().authenticate(request, username=username, password=password)
        except HashingBusy:
            # Refused before the password was checked: no attempt was made.
            lockout.release_attempt(username)
            raise
        if user is None:
            lockout.attempt_failed(username, request)
        elif second_factor.get().is_enabled(user):
            # With a second factor on, only passing it clears the lock; the
            # right password is no failure, so its own attempt is uncounted.
            lockout.release_attempt(username)
        else:
            lockout.reset(username)
        return user
