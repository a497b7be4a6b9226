"""Read typed configuration from environment variables.

Every helper fails with ConfigurationError and one plain sentence, so a
mistyped value stops the process at start-up instead of running with a
silently wrong setting.
"""

import os
import re
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured


class ConfigurationError(ImproperlyConfigured):
    """A missing or malformed environment variable."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_NONE = {"", "none", "null"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value:
        return value
    if required:
        raise ConfigurationError(f"The {name} environment variable is required.")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(
        f"{name} must be one of 1/0, true/false, yes/no, on/off, not {value!r}."
    )


def env_int(
    name: str, default: int | None, *, minimum: int = 0, allow_none: bool = False
) -> int | None:
    """Read a whole number; with allow_none, "none" (any case) means no limit."""
    value = _raw(name)
    if value is None or value == "":
        return default
    if allow_none and value.lower() in _NONE:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_seconds(name: str, default_seconds: int | None) -> timedelta | None:
    """Read a duration in whole seconds (at least 1); "none" (any case) disables the limit."""
    seconds = env_int(name, default_seconds, minimum=1, allow_none=True)
    return None if seconds is None else timedelta(seconds=seconds)


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


_RATE = re.compile(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)")


def env_rate(name: str, default: str | None) -> str | None:
    """Read a DRF rate such as "10/min"; "none" switches the limit off."""
    value = _raw(name)
    if value is None or value == "":
        return default
    if value.lower() in _NONE:
        return None
    if not _RATE.fullmatch(value):
        raise ConfigurationError(
            f"{name} must be a rate like 10/s, 10/min, 10/hour or 10/day, not {value!r}."
        )
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    """Read a number of seconds that may have a fraction, such as 0.5."""
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {value!r}.") from None
    if not number >= minimum or number == float("inf"):
        raise ConfigurationError(f"{name} must be a finite number of at least {minimum}.")
    return number
