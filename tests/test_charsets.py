"""Request bodies are decoded only in text charsets; Django's own 400s are JSON on /api/."""

import codecs
import json
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import LimitedStream
from rest_framework.test import APIClient

from accounts.http.parsers import FormParser, JSONParser, UnsupportedCharset

LOGIN = "/api/auth/login/"
# Python codecs that decompress or transform instead of decoding text.
NOT_TEXT = ["bz2", "zlib", "rot13", "base64", "hex", "uu"]
BOUNDARY = "BoUnDaRy"


def _encode(data: bytes, codec: str) -> bytes:
    if codec == "rot13":  # a str-to-str transform
        return codecs.encode(data.decode(), codec).encode()
    return codecs.encode(data, codec)


def _body(kind: str, email: str, password: str) -> tuple[bytes, str]:
    if kind == "json":
        return json.dumps({"email": email, "password": password}).encode(), "application/json"
    if kind == "form":
        return urlencode({"email": email, "password": password}).encode(), (
            "application/x-www-form-urlencoded"
        )
    parts = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("email", email), ("password", password))
    )
    return f"{parts}--{BOUNDARY}--\r\n".encode(), f"multipart/form-data; boundary={BOUNDARY}"


@pytest.fixture
def body_reads(monkeypatch) -> list[str]:
    """Record every read of a request body."""
    reads: list[str] = []
    for method in ("read", "readline"):
        original = getattr(LimitedStream, method)

        def recorded(self, *args, _original=original, _method=method, **kwargs):
            reads.append(_method)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(LimitedStream, method, recorded)
    return reads


@pytest.mark.parametrize("kind", ["json", "form", "multipart"])
@pytest.mark.parametrize("codec", NOT_TEXT)
def test_a_non_text_charset_is_415_and_the_body_is_never_read(
    user, password, body_reads, kind, codec
):
    body, content_type = _body(kind, user.email, password)
    response = APIClient().generic(
        "POST", LOGIN, _encode(body, codec), content_type=f"{content_type}; charset={codec}"
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f'Unsupported charset "{codec}".'}
    assert body_reads == []


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "utf-8-sig", "nonesuch", "punycode"])
def test_json_in_any_charset_but_utf8_is_415(user, password, charset):
    body, _ = _body("json", user.email, password)
    response = APIClient().generic(
        "POST", LOGIN, body, content_type=f"application/json; charset={charset}"
    )
    assert response.status_code == 415
    assert response.json() == {"detail": f'Unsupported charset "{charset}".'}


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8", "utf_8", '"utf-8"'])
def test_json_in_utf8_by_any_of_its_names_is_parsed(user, password, charset):
    body, _ = _body("json", user.email, password)
    response = APIClient().generic(
        "POST", LOGIN, body, content_type=f"application/json; charset={charset}"
    )
    assert response.status_code == 200
    assert response.json()["token"].startswith("ast_")


@pytest.mark.parametrize("kind", ["form", "multipart"])
def test_forms_in_a_text_charset_are_parsed(db, kind):
    from accounts.models import User

    password = "café au lait sur la terrasse 42"
    User.objects.create_user("zoe@example.com", password)
    body, content_type = _body(kind, "zoe@example.com", password)
    if kind == "form":  # percent-encoded latin-1 bytes
        body = urlencode({"email": "zoe@example.com", "password": password}, encoding="latin-1")
    else:
        body = body.decode().encode("latin-1")
    response = APIClient().generic(
        "POST", LOGIN, body, content_type=f"{content_type}; charset=latin-1"
    )
    assert response.status_code == 200, response.content


def test_outside_the_api_the_refusal_is_plain_text(db, client, body_reads):
    response = client.generic(
        "POST",
        "/admin/login/",
        b"username=a&password=b",
        content_type="application/x-www-form-urlencoded; charset=bz2",
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b'Unsupported charset "bz2".'
    assert body_reads == []


@pytest.mark.parametrize(
    ("parser", "charset"),
    [(JSONParser, "latin-1"), (JSONParser, "bz2"), (FormParser, "zlib"), (FormParser, "nope")],
)
def test_the_parsers_refuse_a_charset_that_reaches_them(parser, charset):
    with pytest.raises(UnsupportedCharset) as raised:
        parser().parse(None, None, {"encoding": charset})
    assert raised.value.status_code == 415
    assert str(raised.value.detail) == f'Unsupported charset "{charset}".'


@pytest.mark.parametrize("kind", ["form", "multipart"])
def test_too_many_form_fields_is_a_json_400(db, settings, kind):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    if kind == "form":
        body = urlencode({f"f{i}": "x" for i in range(10)}).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body = (
            "".join(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nx\r\n'
                for i in range(10)
            )
            + f"--{BOUNDARY}--\r\n"
        ).encode()
        content_type = f"multipart/form-data; boundary={BOUNDARY}"
    response = APIClient().generic("POST", LOGIN, body, content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request has too many form fields."}


def test_too_many_files_is_a_json_400(db, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    body = (
        "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f{i}"; filename="f{i}.txt"'
            "\r\nContent-Type: text/plain\r\n\r\nx\r\n"
            for i in range(5)
        )
        + f"--{BOUNDARY}--\r\n"
    ).encode()
    response = APIClient().generic(
        "POST", LOGIN, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The request has too many files."}


@pytest.mark.parametrize("path", ["/api/", "/api/auth/login/", "/api/nowhere/"])
def test_a_disallowed_host_on_the_api_is_a_json_400(db, client, path):
    response = client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The Host header is not allowed."}


def test_a_disallowed_host_elsewhere_keeps_djangos_page(db, client):
    response = client.get("/admin/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("codec", NOT_TEXT)
def test_the_served_application_refuses_a_non_text_charset_with_a_query_string(db, codec):
    # Django's own request would decode the query string with the charset while it is built,
    # before any middleware: a 500. The project's handler (authsite/wsgi.py) never does.
    from io import BytesIO

    from authsite.handlers import WSGIHandler

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/auth/login/",
        "QUERY_STRING": "next=%2Fapi%2F",
        "CONTENT_TYPE": f"application/json; charset={codec}",
        "CONTENT_LENGTH": "2",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(b"{}"),
        "wsgi.errors": BytesIO(),
    }
    statuses = []
    body = b"".join(WSGIHandler()(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["415 Unsupported Media Type"]
    assert json.loads(body) == {"detail": f'Unsupported charset "{codec}".'}
