"""The same notes endpoint as a DRF view, a django-ninja operation and a plain Django view."""

from django.http import JsonResponse
from django.urls import path
from ninja import NinjaAPI, Status

from accounts.tokens.decorators import token_required
from accounts.tokens.ninja import TokenBearer, handle_token_errors
from tests.urls_appended import *  # noqa: F403 (handler404 and the others come along)
from tests.urls_appended import urlpatterns as appended

api = NinjaAPI(auth=TokenBearer(), urls_namespace="notes-ninja")
handle_token_errors(api)


@api.get("/notes/")
def ninja_list(request):
    return [{"id": 1, "text": "first", "owner": request.user.email, "token": request.auth.pk}]


@api.post("/notes/", response={201: dict})
def ninja_create(request):
    return Status(201, {"id": 2})


@api.api_operation(["PUT", "PATCH", "DELETE"], "/notes/")
def ninja_change(request):
    return {"id": 1}


@api.post("/notes/search/", auth=TokenBearer(read_scope_methods=("POST",)))
def ninja_search(request):
    return {"results": []}


@api.get("/scoped-notes/", auth=TokenBearer(scopes=["notes:read"]))
def ninja_scoped(request):
    return []


@token_required
def plain_notes(request):
    if request.method == "POST":
        return JsonResponse({"id": 2}, status=201)
    return JsonResponse(
        [{"id": 1, "text": "first", "owner": request.user.email, "token": request.auth.pk}],
        safe=False,
    )


@token_required(read_scope_methods=("POST",))
def plain_search(request):
    return JsonResponse({"results": []})


@token_required(scopes=["notes:read"])
def plain_scoped(request):
    return JsonResponse([], safe=False)


urlpatterns = [
    *appended,
    path("api/ninja/", api.urls),
    path("api/plain/notes/", plain_notes),
    path("api/plain/notes/search/", plain_search),
    path("api/plain/scoped-notes/", plain_scoped),
]
