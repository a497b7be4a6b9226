"""Read typed configuration from environment variables.

Every helper fails with ConfigurationError and one plain sentence, so a
mistyped value stops the process at start-up instead of running with a
silently wrong setting.
"""

import os
import re
from collections.abc import Callable
from typing import Literal, overload

from django.core.exceptions import ImproperlyConfigured


class ConfigurationError(ImproperlyConfigured):
    """A missing or malformed environment variable."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_NONE = {"", "none", "null"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


@overload
def env_str(name: str, default: str, *, required: bool = False) -> str: ...
@overload
def env_str(name: str, default: None = None, *, required: bool = False) -> str | None: ...
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


@overload
def env_int(
    name: str, default: int, *, minimum: int = 0, allow_none: Literal[False] = False
) -> int: ...
@overload
def env_int(
    name: str, default: int | None, *, minimum: int = 0, allow_none: bool = False
) -> int | None: ...
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


def env_duration(name: str, *, minimum: int = 1) -> int | None:
    """Read a duration in whole seconds; "none" (any case) switches the limit off.

    Durations stay seconds in settings; accounts/conf.py turns them into timedeltas.
    """
    return env_int(name, None, minimum=minimum, allow_none=True)


def app_settings_from_env(readers: dict[str, Callable[[str], object]]) -> dict[str, object]:
    """The app settings whose environment variable is set, each read by its reader.

    A variable that is not set gives no setting at all, so the app's own default (one
    place: accounts/conf.py) applies; the project never repeats a default.
    """
    return {name: read(name) for name, read in readers.items() if _raw(name)}


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


_COUNT_PER_PERIOD = re.compile(r"[1-9]\d*/([1-9]\d*)?[smhd]")


def env_count_per_period(name: str) -> str | None:
    """Read a count per period such as "3/15m" (3 per 15 minutes); "none" switches it off."""
    value = _raw(name) or ""
    if value.lower() in _NONE:
        return None
    if not _COUNT_PER_PERIOD.fullmatch(value):
        raise ConfigurationError(f"{name} must be a rate like 3/15m, 10/h or 5/1d, not {value!r}.")
    return value
