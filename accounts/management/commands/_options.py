"""Argument helpers shared by the token commands (not a command: the name starts with _)."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User


class TokenCommand(BaseCommand):
    """A command whose argument errors are one line on standard error, without the usage block."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str):
            if parser.called_from_command_line:
                parser.exit(2, f"{parser.prog}: error: {message}\n")
            raise CommandError(f"Error: {message}")

        parser.error = error
        return parser


def whole_number(minimum: int, maximum: int | None = None):
    """An argparse type: a whole number within the bounds, or a one-line error."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number.") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {number}.")
        if maximum is not None and number > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, not {number}.")
        return number

    return parse


def get_user(email: str) -> User:
    try:
        return User.objects.get_by_natural_key(email)
    except User.DoesNotExist:
        raise CommandError(f"No user has the email {email!r}.") from None


def when(moment) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M")
