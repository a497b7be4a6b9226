"""Django's createsuperuser, with the password policy applied in --noinput mode too."""

import os

from django.contrib.auth import password_validation
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.models import User


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password:
            # Django checks the policy only when it prompts; an operator account must not
            # be the one account that skips it.
            email = options.get("email") or os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
            try:
                password_validation.validate_password(
                    password, User(email=User.objects.normalize_email(email))
                )
            except ValidationError as error:
                raise CommandError(
                    "DJANGO_SUPERUSER_PASSWORD: " + " ".join(error.messages)
                ) from None
        return super().handle(*args, **options)
