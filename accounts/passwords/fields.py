"""The one password field of every API serializer that takes a password."""

from rest_framework import serializers

from accounts.passwords.validators import PASSWORD_MAX_LENGTH


def password_field(**kwargs) -> serializers.CharField:
    """A write-only, masked password field; extra keyword arguments go to CharField."""
    return serializers.CharField(
        # Passwords are checked exactly as typed: leading and trailing spaces are part of them.
        trim_whitespace=False,
        # Refused before any hashing or validation: a huge password costs nothing.
        max_length=PASSWORD_MAX_LENGTH,
        write_only=True,
        style={"input_type": "password"},
        **kwargs,
    )
