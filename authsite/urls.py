from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

urlpatterns = [
    # What runserver prints and the admin's "View site" opens: links to the API, docs and admin.
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
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
    urlpatterns.append(path("api-auth/", include("accounts.browser.urls")))

# Any other /api/ path (and /api itself) gets a JSON 404 from handler404, never an HTML page;
# routes of your own can be appended below (docs/your-api.md).
handler400 = "authsite.errors.bad_request"
handler404 = "authsite.errors.not_found"
handler500 = "authsite.errors.server_error"
