#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")
    from django.core.management import execute_from_command_line

    from authsite.env import ConfigurationError

    try:
        execute_from_command_line(sys.argv)
    except ConfigurationError as error:
        # A configuration mistake needs one sentence, not a traceback.
        sys.exit(f"Configuration error: {error}")


if __name__ == "__main__":
    main()
