"""Django's WSGI and ASGI handlers, with requests that take only a text charset as encoding.

Django sets a request's encoding from the Content-Type charset while it builds the request,
and decodes the query string with it there and then, before any middleware runs: a charset
such as bz2 was a 500 with a traceback. These requests keep such a charset out of
`encoding` (so UTF-8 applies) and leave it in `content_params`, where
accounts.http.middleware.RequestCharsetMiddleware refuses the request with 415.
"""

import django
from django.core.handlers import asgi, wsgi
from django.utils.http import parse_header_parameters

from accounts.http import charsets


class _TextCharsetRequest:
    def _set_content_type_params(self, meta):
        # django.http.HttpRequest's, with charsets.is_allowed() instead of codecs.lookup().
        self.content_type, self.content_params = parse_header_parameters(
            meta.get("CONTENT_TYPE", "")
        )
        charset = self.content_params.get("charset")
        if charset is not None and charsets.is_allowed(charset, json=False):
            self.encoding = charset


class WSGIRequest(_TextCharsetRequest, wsgi.WSGIRequest):
    pass


class ASGIRequest(_TextCharsetRequest, asgi.ASGIRequest):
    pass


class WSGIHandler(wsgi.WSGIHandler):
    request_class = WSGIRequest


class ASGIHandler(asgi.ASGIHandler):
    request_class = ASGIRequest


def get_wsgi_application() -> WSGIHandler:
    """django.core.wsgi.get_wsgi_application(), with the handler above."""
    django.setup(set_prefix=False)
    return WSGIHandler()


def get_asgi_application() -> ASGIHandler:
    """django.core.asgi.get_asgi_application(), with the handler above."""
    django.setup(set_prefix=False)
    return ASGIHandler()
