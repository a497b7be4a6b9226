from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token  # noqa: F401

from accounts.views import MeView


class DrfTokenMeView(MeView):
    from rest_framework.authentication import TokenAuthentication

    authentication_classes = [TokenAuthentication]


urlpatterns = [
    path("drf/me/", DrfTokenMeView.as_view()),
    path("api/", include("accounts.urls")),
]
