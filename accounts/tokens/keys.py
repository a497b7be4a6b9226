"""The token format: generation, structural checks, checksum and hashing.

A token reads `ast_<body><checksum>`:
- `ast_` names the product, so secret scanners and people can recognise it;
- the body is 43 base62 characters from `secrets` (43 * log2(62) = 256 bits);
- the checksum is the CRC32 of the body in 6 base62 characters, so a mistyped
  or made-up token is rejected without a database query.

Only the SHA-256 digest of the whole token is stored. A salted slow hash is not
needed: the token has 256 bits of entropy, so a digest cannot be brute-forced,
and a plain digest allows one indexed lookup.
"""

import hashlib
import secrets
import string
import zlib

PREFIX = "ast_"
ALPHABET = string.digits + string.ascii_letters
BODY_LENGTH = 43
CHECKSUM_LENGTH = 6
LENGTH = len(PREFIX) + BODY_LENGTH + CHECKSUM_LENGTH
# "ast_" plus 8 body characters: enough to tell tokens apart, far too little to guess the rest.
DISPLAY_PREFIX_LENGTH = len(PREFIX) + 8

_ALPHABET_SET = frozenset(ALPHABET)


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, ALPHABET[0])


def checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{PREFIX}{body}{checksum(body)}"


def is_well_formed(token: str) -> bool:
    """Return whether the token has our prefix, length, alphabet and a matching checksum."""
    if len(token) != LENGTH or not token.startswith(PREFIX):
        return False
    rest = token[len(PREFIX) :]
    if not _ALPHABET_SET.issuperset(rest):
        return False
    body, check = rest[:BODY_LENGTH], rest[BODY_LENGTH:]
    return checksum(body) == check


def digest(token: str) -> str:
    # surrogatepass: any string a client can send has a digest (a lone surrogate, parsed
    # from JSON's "\ud800", is no token of ours but must not be a 500); tokens are ASCII.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def display_prefix(token: str) -> str:
    return token[:DISPLAY_PREFIX_LENGTH]
