"""Which request body charsets are decoded: text encodings only, and JSON only as UTF-8.

Python's codec registry also holds bytes-to-bytes and str-to-str transforms (bz2, zlib,
base64, hex, uu, rot13); naming one as a charset would make Django or DRF decompress or
transform the body, so a tiny body could inflate to hundreds of megabytes.
"""

import codecs

# Text codecs that are not charsets a client sends; punycode decoding is also quadratic.
_NOT_CHARSETS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape"})


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def is_allowed(charset: str, *, json: bool) -> bool:
    """Whether a body in this charset may be decoded; unknown names are refused."""
    try:
        codec = codecs.lookup(charset)
    except (LookupError, ValueError):
        return False
    if json:
        # RFC 8259 section 8.1: JSON exchanged between systems is UTF-8 (any alias of it).
        return codec.name == "utf-8"
    return codec._is_text_encoding and codec.name not in _NOT_CHARSETS


def unsupported_message(charset: str) -> str:
    return f'Unsupported charset "{charset}".'
