"""Argument helpers shared by the token commands (not a command: the name starts with _)."""

import argparse

from django.core.management.base import CommandError

from accounts.models import User


def whole_number(minimum: int):
    """An argparse type: a whole number of at least `minimum`, or a one-line error."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number.") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {number}.")
        return number

    return parse


def get_user(email: str) -> User:
    try:
        return User.objects.get_by_natural_key(email)
    except User.DoesNotExist:
        raise CommandError(f"No user has the email {email!r}.") from None


def when(moment) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M")
