"""Password validators for NIST SP 800-63B-4 and ASVS 5.0: length, blocklist, context words.

There are no composition rules (no "one digit, one capital"): they make passwords
harder to remember, not to guess. Every error names the rule that failed.
"""

import functools
import gzip
import math
import re
from pathlib import Path

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# NIST 63B-4 3.1.1.2: at least 15 when the password is the only factor; at least 64 allowed.
PASSWORD_MIN_LENGTH = 15
# Long enough for any passphrase or manager; short enough that nothing huge is ever hashed.
PASSWORD_MAX_LENGTH = 1024

# A few look-alike substitutions ("p@ssw0rd"), undone before the blocklist lookup.
_LEET = str.maketrans({"@": "a", "4": "a", "3": "e", "0": "o", "1": "i", "!": "i", "$": "s",
                       "5": "s", "7": "t", "+": "t", "8": "b", "9": "g"})  # fmt: skip
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NON_ALNUM = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W\d_]{3,}")


class LengthValidator:
    """Between min_length and max_length characters, counted in Unicode code points."""

    def __init__(
        self, min_length: int = PASSWORD_MIN_LENGTH, max_length: int = PASSWORD_MAX_LENGTH
    ):
        self.min_length = min_length
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        # len() of a str counts code points, so "é" or an emoji is one character.
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d "
                    "character.",
                    "This password is too short. It must contain at least %(min_length)d "
                    "characters.",
                    self.min_length,
                ),
                code="password_too_short",
                params={"min_length": self.min_length},
            )
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long. It must contain at most %(max_length)d characters."),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must contain between %(min_length)d and %(max_length)d characters."
        ) % {"min_length": self.min_length, "max_length": self.max_length}


@functools.cache
def blocklist() -> frozenset[str]:
    """Common and breached passwords, lower-cased: about 100,000 entries, loaded once."""
    # zxcvbn's frequency lists: the 30,000 most common leaked passwords plus the
    # English words, names and film/TV words that people build passwords from.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = {word.lower() for entries in FREQUENCY_LISTS.values() for word in entries}
    # Django's own list of 20,000 common passwords (from a breach corpus).
    django_list = Path(password_validation.__file__).parent / "common-passwords.txt.gz"
    with gzip.open(django_list, "rt", encoding="utf-8") as lines:
        words.update(line.strip().lower() for line in lines)
    words.discard("")
    return frozenset(words)


def _smallest_unit(text: str) -> str:
    """The shortest string that repeated gives `text` ("abcabc" -> "abc")."""
    # The classic trick: text occurs inside text+text before its own length iff it repeats.
    period = (text + text).find(text, 1)
    return text[:period] if 0 < period < len(text) else text


def _candidates(password: str) -> set[str]:
    """The forms of a password an attacker's word list would try."""
    lowered = password.lower().strip()
    forms = {lowered, "".join(lowered.split())}
    forms |= {form.translate(_LEET) for form in forms}
    # "password2024!!" is "password" with decoration at the ends.
    forms |= {_EDGES.sub("", form) for form in forms}
    # "passwordpassword" is "password" twice.
    forms |= {_smallest_unit(form) for form in forms}
    return {form for form in forms if form}


class BlocklistValidator:
    """Refuse common and breached passwords, also with digits or symbols added or repeated."""

    def validate(self, password: str, user=None) -> None:
        if len(password) > PASSWORD_MAX_LENGTH:
            return  # LengthValidator refuses it; nothing that long is worth scanning.
        lowered = "".join(password.lower().split())
        unit = _smallest_unit(lowered)
        if len(unit) <= 3 and len(lowered) > len(unit):
            raise ValidationError(
                _("This password is too easy to guess: it repeats a few characters."),
                code="password_repetitive",
            )
        if not _candidates(password).isdisjoint(blocklist()):
            raise ValidationError(
                _(
                    "This password is too common: it is on a list of passwords seen in "
                    "data breaches."
                ),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("Your password can't be a commonly used or breached password.")


# zxcvbn scores at most this many characters (its own limit): the estimate only grows with length.
ZXCVBN_MAX_LENGTH = 72
# zxcvbn tries every way of reading look-alike characters back as letters ("4" or "@" as "a",
# "(", "{", "[" or "<" as "c"): a password with all of them has 736 readings, each matched
# against every dictionary, two seconds of CPU. Their product per letter bounds the readings
# (within a factor of 2; tests/test_password_policy.py): at most 8 here, so at most 16 readings.
ZXCVBN_MAX_L33T_PRODUCT = 8


@functools.cache
def _l33t_table() -> tuple[frozenset[str], ...]:
    # zxcvbn's own table (letter -> look-alikes), read, never changed.
    from zxcvbn.matching import L33T_TABLE

    return tuple(frozenset(subs) for subs in L33T_TABLE.values())


def zxcvbn_input(password: str) -> str:
    """The part of a password zxcvbn scores: at most 72 characters, with few look-alike readings.

    A prefix never scores much higher than the whole (more characters add guesses), so
    cutting errs towards refusing; the blocklist still checks the whole password.
    """
    present: set[str] = set()
    for end, char in enumerate(password[:ZXCVBN_MAX_LENGTH]):
        if char in present:
            continue
        present.add(char)
        readings = math.prod(max(1, len(subs & present)) for subs in _l33t_table())
        if readings > ZXCVBN_MAX_L33T_PRODUCT:
            return password[:end]
    return password[:ZXCVBN_MAX_LENGTH]


class GuessabilityValidator:
    """Refuse patterns that no word list holds: sequences, keyboard rows, blank space.

    zxcvbn estimates how many guesses a password takes; below `min_guesses_log10`
    (a million by default) it is refused. Its cost is bounded (zxcvbn_input): at most
    72 characters with at most 16 look-alike readings are scored.
    """

    def __init__(self, min_guesses_log10: float = 6):
        self.min_guesses_log10 = min_guesses_log10

    def validate(self, password: str, user=None) -> None:
        from zxcvbn import zxcvbn

        if len(password) > PASSWORD_MAX_LENGTH:
            return  # LengthValidator refuses it.
        if not _candidates(password).isdisjoint(blocklist()):
            return  # BlocklistValidator has said so already.
        if zxcvbn(zxcvbn_input(password))["guesses_log10"] < self.min_guesses_log10:
            raise ValidationError(
                _(
                    "This password is too easy to guess: it is a predictable pattern such as "
                    "a sequence, a keyboard row or repeated words."
                ),
                code="password_predictable",
            )

    def get_help_text(self) -> str:
        return _("Your password can't be a predictable pattern such as 123456789012345.")


class ContextWordsValidator:
    """Refuse passwords made mostly of the product name or the user's email address.

    After removing those words, what remains must be at least `min_remaining`
    letters and digits and must not be a common password itself ("authsite2024",
    "alice-password-1").
    """

    def __init__(self, words: list[str] | tuple[str, ...] = (), min_remaining: int = 8):
        self.words = tuple(word.lower() for word in words)
        self.min_remaining = min_remaining

    def context_words(self, user=None) -> list[str]:
        words = set(self.words)
        email = (getattr(user, "email", "") or "").lower()
        words.update(_WORD.findall(email))
        for name in ("first_name", "last_name"):
            words.update(_WORD.findall((getattr(user, name, "") or "").lower()))
        # Longest first, so "authsite" goes before "auth".
        return sorted((word for word in words if len(word) >= 3), key=len, reverse=True)

    def validate(self, password: str, user=None) -> None:
        if len(password) > PASSWORD_MAX_LENGTH:
            return  # LengthValidator refuses it.
        remaining = password.lower()
        found = False
        for word in self.context_words(user):
            if word in remaining:
                found = True
                remaining = remaining.replace(word, "")
        if found and (
            len(_NON_ALNUM.sub("", remaining)) < self.min_remaining
            or not _candidates(remaining).isdisjoint(blocklist())
        ):
            raise ValidationError(
                _(
                    "This password is too easy to guess: it is made mostly of your email "
                    "address or the name of this service."
                ),
                code="password_context_words",
            )

    def get_help_text(self) -> str:
        return _("Your password can't be made mostly of your email address or this site's name.")
