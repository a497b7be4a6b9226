"""Cache headers for responses that carry a secret."""

from django.http import HttpResponseBase


def no_store(response: HttpResponseBase) -> HttpResponseBase:
    """Keep responses that carry a token out of every cache."""
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
