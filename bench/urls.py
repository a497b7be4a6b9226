from django.http import JsonResponse
from django.urls import include, path
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.views import MeView


class DrfTokenMeView(MeView):
    """The same view behind DRF's authtoken, as a baseline."""

    authentication_classes = [DrfTokenAuthentication]


class KnoxMeView(MeView):
    """The same view behind django-rest-knox, as a baseline."""

    authentication_classes = [KnoxTokenAuthentication]


class PingView(APIView):
    """An unauthenticated DRF endpoint of the same stack: the ceiling."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"id": 1, "email": "nobody@example.com"})


def health(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("drf/me/", DrfTokenMeView.as_view()),
    path("knox/me/", KnoxMeView.as_view()),
    path("ping/", PingView.as_view()),
    path("health/", health),
    path("api/", include("accounts.urls")),
]
