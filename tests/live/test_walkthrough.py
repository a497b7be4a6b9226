"""The README's curl walk-through, pasted into bash in order, against the served project."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live.conftest import ROOT


def _walk_through() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Walk-through with curl", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_readme_walk_through_runs_in_order(live_site):
    # The live site already has an ada@example.com, so the walk-through uses a new email.
    script = _walk_through().replace("http://127.0.0.1:8000", live_site.url)
    script = script.replace("ada@example.com", "walker@example.com")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '"email":"walker@example.com"' in out.replace(" ", "")
    assert '"name":"reports"' in out.replace(" ", "")  # step 5 reads the read-only token
    assert "This token does not have the scope needed for this request." in out
    assert out.count("204") >= 2  # step 6 revokes it, step 7 logs out
    assert "HTTP/1.1 401" in out and '{"detail":"Invalid token."}' in out
    # Step 6's list: only the login token is left.
    assert '"name":"curl"' in out.replace(" ", "")
