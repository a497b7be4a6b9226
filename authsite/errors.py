"""JSON error responses for API paths that no DRF view handles."""

import sys

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, JsonResponse
from django.middleware import common
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from accounts.http import outages


def _is_api(request) -> bool:
    return request.path_info == "/api" or request.path_info.startswith("/api/")


# Exempt like every DRF view: it changes nothing, and a POST or DELETE to an unknown
# path must get this JSON 404, not Django's HTML CSRF page.
@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Answer unknown /api/ paths with DRF's 404 shape, in debug mode too."""
    detail = "Not found."
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        # POSTing without the trailing slash cannot be redirected without losing the body.
        if match is not None:
            detail = f"Not found. Did you mean {request.path_info}/?"
    return JsonResponse({"detail": detail}, status=404)


def not_found(request, exception=None):
    """handler404: DRF's JSON 404 under /api/, Django's page elsewhere.

    A handler rather than a catch-all pattern, so a route appended to
    authsite/urls.py (`urlpatterns += [...]`) is reached.
    """
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


class CommonMiddleware(common.CommonMiddleware):
    """Django's, with two changes under /api/ so that API clients always get JSON.

    No redirect to add a trailing slash: a redirected POST loses its body, and the JSON 404
    names the right path instead. In debug, Django's HTML 404 page bypasses handler404;
    under /api/ the same JSON 404 as in production is answered instead.
    """

    def should_redirect_with_slash(self, request) -> bool:
        return not _is_api(request) and super().should_redirect_with_slash(request)

    def process_exception(self, request, exception):
        # A view raising Http404: production's handler404 answers; in debug, the same here.
        if settings.DEBUG and isinstance(exception, Http404) and _is_api(request):
            return api_not_found(request)
        return None

    def process_response(self, request, response):
        # No view matched (resolver_match unset): Django's debug page, or handler404's JSON.
        if (
            response.status_code == 404
            and settings.DEBUG
            and getattr(request, "resolver_match", None) is None
            and _is_api(request)
        ):
            response = api_not_found(request)
        return super().process_response(request, response)


def server_error(request, *args, **kwargs):
    # Django calls this while handling the exception: an unreachable database or cache
    # (raised in a middleware, say) is a 503 to retry, not a 500.
    exc = sys.exc_info()[1]
    if (kind := outages.kind_of(exc)) is not None:
        outages.begin(kind, exc)
        return outages.service_unavailable(request)
    if _is_api(request):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    return defaults.server_error(request, *args, **kwargs)


# Django raises these (SuspiciousOperation) while reading the request; DRF never sees them.
_BAD_REQUESTS = [
    (TooManyFieldsSent, "The request has too many form fields."),
    (TooManyFilesSent, "The request has too many files."),
    (RequestDataTooBig, "Request body is too large."),
    (DisallowedHost, "The Host header is not allowed."),
]


def bad_request(request, exception=None, *args, **kwargs):
    """Answer Django's own 400s (too many fields or files, a bad Host) in JSON on /api/."""
    if not _is_api(request):
        return defaults.bad_request(request, exception, *args, **kwargs)
    detail = next(
        (text for kind, text in _BAD_REQUESTS if isinstance(exception, kind)), "Bad request."
    )
    return JsonResponse({"detail": detail}, status=400)
