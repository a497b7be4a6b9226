"""Security middleware: content security policy, request body size and charset, client IP."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from accounts.http import charsets
from accounts.http.clientip import client_ip, current_ip


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none of its own.

    Django 5.2 has no CSP support of its own; one policy fits the admin, the
    browsable API and the docs, whose scripts are all served from this origin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class NoStoreMiddleware:
    """Keep every response of the auth endpoints out of caches, errors included.

    They carry tokens, profiles and form pages with personal data; a shared or browser
    cache must not keep any of them.
    """

    PREFIXES = ("/api/auth/", "/api-auth/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(self.PREFIXES):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class RequestBodyLimitMiddleware:
    """Refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before anything reads it.

    Django enforces the limit only when it parses forms; DRF's JSON parser reads the
    stream directly, so without this a huge body would be read into memory.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return JsonResponse({"detail": "Request body is too large."}, status=413)
        return self.get_response(request)


class RequestCharsetMiddleware:
    """Refuse a body in a charset that is not a text encoding with 415, before anything reads it.

    JSON must be UTF-8; forms and multipart may use any text encoding. The body is
    never read, so a bz2 or zlib "charset" is never decompressed. The same parser as
    Django's (request.content_params) reads the header, so both agree on the charset.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        charset = request.content_params.get("charset")
        if charset is not None and not charsets.is_allowed(
            charset, json=charsets.is_json(request.content_type)
        ):
            detail = charsets.unsupported_message(charset)
            if request.path_info == "/api" or request.path_info.startswith("/api/"):
                return JsonResponse({"detail": detail}, status=415)
            return HttpResponse(detail, status=415, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ClientIPMiddleware:
    """Remember the client IP while a request is served, for security events without one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
