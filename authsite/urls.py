from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from authsite.errors import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        # The project's template keeps ReDoc offline (no Google Fonts, no CDN logo).
        SpectacularRedocView.as_view(url_name="schema", template_name="accounts/redoc.html"),
        name="redoc",
    ),
    path("api/", include("accounts.urls")),
]

if settings.BROWSABLE_API:
    # Session login and logout for the browsable API (rest_framework.urls, rate limited).
    urlpatterns.append(path("api-auth/", include("accounts.session_urls")))

# Keep last: any other /api/ path (and /api itself) gets a JSON 404, never an HTML page.
urlpatterns.append(re_path(r"^api(/|$)", api_not_found))

handler400 = "authsite.errors.bad_request"
handler500 = "authsite.errors.server_error"
