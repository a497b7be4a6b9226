"""Static files in production (DJANGO_DEBUG=0): collected, then served by WhiteNoise."""

import re


def _asset(page: bytes, pattern: str) -> str:
    match = re.search(pattern.encode(), page)
    assert match, pattern
    return match.group().decode()


def test_admin_css_is_served_with_debug_off(live_site):
    login = live_site.request("GET", "/admin/login/", headers={"Accept": "text/html"})
    assert login.status == 200
    # The manifest storage gives each file a content hash, so it can be cached for good.
    css = _asset(login.body, r"/static/admin/css/base\.[0-9a-f]{12}\.css")
    response = live_site.request("GET", css, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.headers.get("Content-Encoding") == "gzip"
    assert "immutable" in response.headers["Cache-Control"]


def test_docs_assets_are_served_by_the_project(live_site):
    for page, pattern in [
        (
            "/api/docs/",
            r"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.[0-9a-f]{12}\.js",
        ),
        (
            "/api/redoc/",
            r"/static/drf_spectacular_sidecar/redoc/bundles/redoc\.standalone\.[0-9a-f]{12}\.js",
        ),
    ]:
        html = live_site.request("GET", page, headers={"Accept": "text/html"})
        assert html.status == 200, page
        response = live_site.request("GET", _asset(html.body, pattern))
        assert response.status == 200
        assert "javascript" in response.headers["Content-Type"]


def test_browsable_api_css_is_served(live_site):
    page = live_site.request("GET", "/api/", headers={"Accept": "text/html"})
    assert page.status == 200
    css = _asset(page.body, r"/static/rest_framework/css/bootstrap\.min\.[0-9a-f]{12}\.css")
    assert live_site.request("GET", css).status == 200


def test_production_server_refuses_unknown_static_files(live_site):
    assert live_site.request("GET", "/static/admin/css/nope.css").status == 404
