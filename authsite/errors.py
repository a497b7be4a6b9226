"""JSON error responses for API paths that no DRF view handles."""

import sys

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from authsite import outages


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
    # Django calls this while handling the exception: an unreachable database or cache
    # (raised in a middleware, say) is a 503 to retry, not a 500.
    exc = sys.exc_info()[1]
    if (kind := outages.kind_of(exc)) is not None:
        outages.begin(kind, exc)
        return outages.service_unavailable(request)
    if _is_api(request):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    return defaults.server_error(request, *args, **kwargs)
