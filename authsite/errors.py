"""JSON error responses for API paths that no DRF view handles."""

from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt


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
        if match is not None and match.func is not api_not_found:
            detail = f"Not found. Did you mean {request.path_info}/?"
    return JsonResponse({"detail": detail}, status=404)


def server_error(request, *args, **kwargs):
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
