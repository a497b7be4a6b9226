"""A test-only URLconf: the project's URLs plus a view that fails with a 500."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from authsite.urls import urlpatterns as project_urlpatterns


class BoomView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("boom")


# Before the project's catch-all JSON 404 for /api/.
urlpatterns = [path("api/boom/", BoomView.as_view()), *project_urlpatterns]
handler500 = "authsite.errors.server_error"
