"""docs/introspection.md's resource-server class, run as written against the served project."""

import re
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta

import time_machine

from tests.live.conftest import ADMIN_EMAIL, ROOT


def _documented_class() -> type:
    page = (ROOT / "docs" / "introspection.md").read_text()
    section = page.split("## A resource server's authentication class", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/introspection.md", "exec"), namespace)
    return namespace["IntrospectionAuth"]


def _service_token(live_site) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "createtoken", ADMIN_EMAIL, "--scope", "introspect"],
        env=live_site.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_documented_class_works_against_a_live_server(live_site, monkeypatch):
    auth_class = _documented_class()
    url = live_site.url + "/api/auth/introspect/"
    service = _service_token(live_site)
    token = live_site.login(name="introspected")
    asked = []
    real_urlopen = urllib.request.urlopen

    def counting_urlopen(*args, **kwargs):
        asked.append(1)
        return real_urlopen(*args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", counting_urlopen)
    auth = auth_class(url, service, max_age=3600)

    answer = auth.authenticate(f"Bearer {token}")
    assert answer["active"] is True
    assert answer["username"] == "ada@example.com"
    assert answer["scope"] == "read write"
    assert len(asked) == 1
    # Remembered: no second request within max_age.
    assert auth.authenticate(f"Bearer {token}") == answer
    assert len(asked) == 1
    # Never trusted past exp, however long max_age is.
    after_expiry = datetime.fromtimestamp(answer["exp"], UTC) + timedelta(seconds=1)
    with time_machine.travel(after_expiry, tick=False):
        auth.authenticate(f"Bearer {token}")
    assert len(asked) == 2

    assert auth.authenticate("Bearer ast_unknown") is None
    assert auth.authenticate(None) is None

    # Revoked: seen at once by a client that remembers nothing, within max_age by others.
    assert live_site.request("POST", "/api/auth/logout/", token=token).status == 204
    assert auth_class(url, service, max_age=0).authenticate(f"Bearer {token}") is None
    assert auth.authenticate(f"Bearer {token}")["active"] is True


def test_introspection_over_http(live_site):
    service = _service_token(live_site)
    token = live_site.login(name="checked")
    response = live_site.request(
        "POST", "/api/auth/introspect/", token=service, data={"token": token}
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json()["active"] is True
    refused = live_site.request("POST", "/api/auth/introspect/", token=token, data={"token": "x"})
    assert refused.status == 403
    gone = live_site.request("POST", "/api/auth/introspect/", token=service, data={"token": "x"})
    assert gone.json() == {"active": False}
