"""The errors a newcomer meets first: a JSON body sent as a form, a bare token, the site root."""

import json

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db

_BODY = json.dumps({"email": "ada@example.com", "password": "plum-tree orbit harbour lantern"})


def test_json_sent_as_a_form_is_415_naming_the_header(api_client):
    # What `curl -d '{...}'` sends without -H 'Content-Type: application/json'.
    response = api_client.generic(
        "POST", "/api/auth/register/", _BODY, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["detail"]
    assert not User.objects.filter(email="ada@example.com").exists()


def test_a_real_form_still_works(api_client):
    response = api_client.post(
        "/api/auth/register/",
        "email=ada%40example.com&password=plum-tree+orbit+harbour+lantern",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert User.objects.filter(email="ada@example.com").exists()


def test_the_same_json_with_its_content_type_is_accepted(api_client):
    response = api_client.generic(
        "POST", "/api/auth/register/", _BODY, content_type="application/json"
    )
    assert response.status_code == 201


def test_a_bare_token_says_the_bearer_keyword_is_missing(api_client, issued_token):
    api_client.credentials(HTTP_AUTHORIZATION=issued_token[1])
    response = api_client.get("/api/auth/me/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "The Authorization header is missing the Bearer keyword: send "
        "Authorization: Bearer <token>."
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_another_scheme_is_still_not_ours(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Basic YWRhOnB3")
    response = api_client.get("/api/auth/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_site_root_links_the_api_docs_and_admin(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for href in ('href="/api/"', 'href="/api/docs/"', 'href="/api/redoc/"', 'href="/admin/"'):
        assert href in html


def test_admin_view_site_goes_to_the_root_page(staff_client):
    html = staff_client.get("/admin/").content.decode()
    assert '<a href="/">View site</a>' in html
