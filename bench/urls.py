from django.urls import include, path
from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication

from accounts.views import MeView


class DrfTokenMeView(MeView):
    """The same view behind DRF's authtoken, as the baseline."""

    authentication_classes = [DrfTokenAuthentication]


urlpatterns = [
    path("drf/me/", DrfTokenMeView.as_view()),
    path("api/", include("accounts.urls")),
]
