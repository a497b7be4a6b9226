import pytest


def test_unknown_api_path_is_a_json_404(api_client, db):
    response = api_client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_missing_trailing_slash_is_a_json_404_that_names_the_right_path(api_client, db):
    response = api_client.post(
        "/api/auth/login", {"email": "a@example.com", "password": "x"}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found. Did you mean /api/auth/login/?"}


def test_wrong_method_is_a_json_405(auth_client):
    response = auth_client.delete("/api/auth/me/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}


def test_non_object_json_body_is_a_400(api_client, db):
    response = api_client.post("/api/auth/login/", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_null_character_in_credentials_is_a_400(api_client, db):
    response = api_client.post(
        "/api/auth/login/", {"email": "a\x00@example.com", "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["Null characters are not allowed."]}


def test_server_error_on_api_path_is_json(rf):
    import json

    from authsite.errors import server_error

    response = server_error(rf.get("/api/auth/me/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "A server error occurred."}
    html = server_error(rf.get("/admin/"))
    assert html.status_code == 500
    assert b"Server Error" in html.content


def test_unsafe_method_on_unknown_api_path_is_a_json_404_not_a_csrf_page(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    for method in ("post", "delete", "put", "patch"):
        response = getattr(client, method)("/api/auth/tokens/null,null/")
        assert response.status_code == 404, method
        assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("method", ["get", "post"])
def test_api_root_without_slash_is_a_json_404_not_a_redirect(api_client, db, method):
    response = getattr(api_client, method)("/api", {"a": 1}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found. Did you mean /api/?"}


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/register/", "/api/auth/me/"])
def test_deeply_nested_json_is_a_400_not_a_500(auth_client, path):
    body = '{"email": ' + "[" * 5000 + "]" * 5000 + "}"
    method = auth_client.patch if path.endswith("me/") else auth_client.post
    response = method(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nesting is too deep."}
