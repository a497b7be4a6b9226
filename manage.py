#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

Commands default to development (debug on), as in cookiecutter-django, where manage.py
uses local settings and wsgi.py production ones: unless DJANGO_DEBUG or DJANGO_SECRET_KEY
is set, DJANGO_DEBUG=1. A production environment always has DJANGO_SECRET_KEY, so its
commands (collectstatic, migrate) keep debug off; gunicorn (authsite.wsgi) never gets
this default.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")
    if "DJANGO_DEBUG" not in os.environ and "DJANGO_SECRET_KEY" not in os.environ:
        os.environ["DJANGO_DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    from authsite.env import ConfigurationError

    try:
        execute_from_command_line(sys.argv)
    except ConfigurationError as error:
        # A configuration mistake needs one sentence, not a traceback.
        sys.exit(f"Configuration error: {error}")


if __name__ == "__main__":
    main()
