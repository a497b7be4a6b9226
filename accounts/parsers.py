import io

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import FormParser as BaseFormParser
from rest_framework.parsers import JSONParser as BaseJSONParser


class JSONParser(BaseJSONParser):
    """DRF's JSON parser, with nesting deeper than Python's parser allows reported as a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json.load recurses once per level: a hostile body must not become a 500.
            raise ParseError(_("JSON parse error - nesting is too deep.")) from None


class FormParser(BaseFormParser):
    """DRF's form parser, refusing JSON sent as a form (`curl -d` without a Content-Type).

    Read as a form, such a body is one nonsense field and every real field "is required";
    a 415 that names the header is the answer a newcomer can act on. The body is not
    parsed as JSON instead: the declared type decides, as everywhere else.
    """

    def parse(self, stream, media_type=None, parser_context=None):
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
