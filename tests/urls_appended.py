"""authsite/urls.py with routes appended at its end, the way docs/your-api.md says."""

from django.http import Http404
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from authsite.urls import *  # noqa: F403 (handler404 and the others come along)
from authsite.urls import urlpatterns as project_urlpatterns


class NotesView(APIView):
    """The everyday view: IsAuthenticated alone replaces the default permission classes."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response([{"id": 1, "text": "first"}])

    def post(self, request):
        return Response({"id": 2, "text": request.data.get("text", "")}, status=201)

    def put(self, request):
        return Response({"id": 1, "text": "replaced"})

    def patch(self, request):
        return Response({"id": 1, "text": "changed"})

    def delete(self, request):
        return Response(status=204)


class SearchView(APIView):
    """Searches by POST: changes nothing, so a read-only token may use it."""

    permission_classes = [IsAuthenticated]
    read_scope_methods = ("POST",)

    def post(self, request):
        return Response({"results": []})


class ScopedNotesView(APIView):
    permission_classes = [IsAuthenticated]
    required_scopes = {"GET": ["notes:read"], "POST": ["notes:write"]}

    def get(self, request):
        return Response([])

    def post(self, request):
        return Response({}, status=201)


def missing_note(request):
    raise Http404("No note 7.")


# A new list: the project's must stay as it is for the other tests.
urlpatterns = [
    *project_urlpatterns,
    path("api/notes/", NotesView.as_view()),
    path("api/notes/search/", SearchView.as_view()),
    path("api/scoped-notes/", ScopedNotesView.as_view()),
    path("api/plain/missing/", missing_note),
]
