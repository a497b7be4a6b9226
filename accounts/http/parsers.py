"""DRF's parsers, decoding bodies only in text charsets and reporting deep JSON as a 400."""

import io

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType

from accounts.http import charsets


class UnsupportedCharset(APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_charset"


def _check_charset(parser_context, *, json: bool) -> None:
    # RequestCharsetMiddleware refuses these first; this guards any other way in.
    encoding = (parser_context or {}).get("encoding")
    if encoding and not charsets.is_allowed(encoding, json=json):
        raise UnsupportedCharset(charsets.unsupported_message(encoding))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser: UTF-8 only, and nesting deeper than Python's parser allows is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        _check_charset(parser_context, json=True)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json.load recurses once per level: a hostile body must not become a 500.
            raise ParseError(_("JSON parse error - nesting is too deep.")) from None


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing JSON sent as a form (`curl -d` without a Content-Type).

    Read as a form, such a body is one nonsense field and every real field "is required";
    a 415 that names the header is the answer a newcomer can act on. The body is not
    parsed as JSON instead: the declared type decides, as everywhere else.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        _check_charset(parser_context, json=False)
        body = stream.read() if stream is not None else b""
        if body.lstrip()[:1] in (b"{", b"["):
            raise UnsupportedMediaType(
                media_type,
                detail=_(
                    "This body looks like JSON but was sent as a form; send it with the "
                    "header Content-Type: application/json."
                ),
            )
        return super().parse(io.BytesIO(body), media_type, parser_context)


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_charset(parser_context, json=False)
        return super().parse(stream, media_type, parser_context)
