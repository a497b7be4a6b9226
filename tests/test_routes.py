"""Appended routes are reached; other /api/ paths are JSON 404s, in debug too."""

import pytest

pytestmark = pytest.mark.urls("tests.urls_appended")


def test_a_route_appended_to_the_project_urls_serves(auth_client):
    response = auth_client.get("/api/notes/")
    assert response.status_code == 200
    assert response.json() == [{"id": 1, "text": "first"}]


def test_unknown_api_paths_are_still_json_404s(api_client, db):
    response = api_client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_other_paths_keep_the_html_404_page(client, db):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_path_is_json_in_debug_too(api_client, db, settings, debug):
    settings.DEBUG = debug
    response = api_client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    # Django's debug page is kept outside the API.
    page = api_client.get("/nothing-here/", HTTP_ACCEPT="text/html")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [False, True])
def test_a_post_without_the_trailing_slash_names_the_path(api_client, db, settings, debug):
    # No redirect (which would drop the body, and raises in debug): a JSON 404 with the fix.
    settings.DEBUG = debug
    response = api_client.post("/api/notes", {"text": "x"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found. Did you mean /api/notes/?"}


@pytest.mark.parametrize("debug", [False, True])
def test_a_plain_view_raising_404_under_api_is_json(client, db, settings, debug):
    settings.DEBUG = debug
    response = client.get("/api/plain/missing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_non_api_paths_still_get_the_slash_redirect(client, db):
    response = client.get("/admin")
    assert response.status_code == 301
    assert response["Location"] == "/admin/"
