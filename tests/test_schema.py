from pathlib import Path

import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def operations(schema):
    """Every (path, method, operation) of an OpenAPI document."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_schema_validates_without_warnings(tmp_path):
    # --fail-on-warn turns any guess drf-spectacular has to make into an error.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text())["openapi"].startswith("3.")


def test_committed_schema_is_current(schema):
    committed = yaml.safe_load(COMMITTED.read_text())
    # Round-trip through YAML so both sides have the same plain types.
    assert committed == yaml.safe_load(yaml.safe_dump(schema)), "run `make schema`"


def test_bearer_scheme_notes_the_token_keyword(schema):
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert "`Token`" in scheme["description"]
    me = schema["paths"]["/api/auth/me/"]["get"]
    assert {"bearerAuth": []} in me["security"]


def test_every_operation_documents_its_bodies_and_errors(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert any(code.startswith("2") for code in codes), (method, path)
        assert any(code.startswith("4") for code in codes), (method, path)
        if {"bearerAuth": []} in operation.get("security", []):
            unauthorized = operation["responses"]["401"]
            assert "WWW-Authenticate" in unauthorized["headers"], (method, path)
            assert unauthorized["content"]["application/json"]["examples"], (method, path)
        if method in {"post", "put", "patch"} and "requestBody" in operation:
            assert "400" in codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                body = response["content"]["application/json"]
                assert body["schema"]["$ref"].split("/")[-1] in {"Error", "ValidationError"}
                assert body["examples"], (method, path, code)


def test_login_is_documented_with_examples(schema):
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert login["security"] == [{}]
    request = login["requestBody"]["content"]["application/json"]
    assert request["schema"]["$ref"].endswith("/LoginRequest")
    assert request["examples"]
    ok = login["responses"]["200"]["content"]["application/json"]
    # A token, or the pending login of an account with multi-factor authentication on.
    assert ok["schema"]["$ref"].endswith("/LoginResult")
    assert {"Logged in", "Multi-factor authentication required"} <= {
        example["summary"] for example in ok["examples"].values()
    }
    assert "401" not in login["responses"]  # login reads no credentials


def test_register_documents_closed_registration(schema):
    closed = schema["paths"]["/api/auth/register/"]["post"]["responses"]["403"]
    example = next(iter(closed["content"]["application/json"]["examples"].values()))
    assert example["value"] == {"detail": "Registration is closed."}


def test_schema_and_docs_pages_are_served(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "authsite API"
    for url, asset in [
        ("/api/docs/", b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/redoc/", b"/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ]:
        page = client.get(url)
        assert page.status_code == 200
        assert asset in page.content
        # Everything comes from the project: the docs work without internet access.
        assert b"https://" not in page.content and b"http://" not in page.content, url


def test_scope_and_not_found_errors_are_documented(schema):
    create = schema["paths"]["/api/auth/tokens/"]["post"]["responses"]
    examples = create["403"]["content"]["application/json"]["examples"]
    assert {"InsufficientScope", "TokenLimitReached"} <= set(examples)
    assert "insufficient_scope" in create["403"]["headers"]["WWW-Authenticate"]["description"]
    delete = schema["paths"]["/api/auth/tokens/{id}/"]["delete"]["responses"]
    assert delete["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_error_declared_by_description_only_gets_the_standard_body():
    from django.urls import path
    from drf_spectacular.utils import OpenApiResponse, extend_schema
    from rest_framework.views import APIView

    class GoneView(APIView):
        @extend_schema(responses={204: None, 404: OpenApiResponse(description="Gone.")})
        def delete(self, request, pk):
            raise NotImplementedError

    schema = SchemaGenerator(patterns=[path("things/<int:pk>/", GoneView.as_view())]).get_schema(
        request=None, public=True
    )
    not_found = schema["paths"]["/things/{id}/"]["delete"]["responses"]["404"]
    assert not_found["description"] == "Gone."
    assert not_found["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert not_found["content"]["application/json"]["examples"]
