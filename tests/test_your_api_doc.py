"""docs/your-api.md, run as written in a copy of the project: commands, files, then its test."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.test_doc_commands import ROOT, shell_commands

_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# A Python block starts with the file it belongs to: `# notes/views.py` or `# x.py (append)`.
_TARGET = re.compile(r"# (\S+\.py)( \(append\))?\n")


def _copy_project(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _run(command: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    words = shlex.split(command)
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env = {**env, name: value}
    program = Path(words[0]).name
    if program == "python":
        argv = [sys.executable, *words[1:]]
    elif program == "pytest":
        argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *words[1:]]
    else:
        raise AssertionError(f"docs/your-api.md runs an unexpected command: {command}")
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_guide_runs_as_written(tmp_path):
    project = tmp_path / "project"
    _copy_project(project)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    written, outputs = [], []
    for language, code in _BLOCK.findall((ROOT / "docs" / "your-api.md").read_text()):
        if language == "python":
            target = _TARGET.match(code)
            assert target, f"a Python block without its file: {code[:60]}"
            path = project / target.group(1)
            if target.group(2):
                path.write_text(path.read_text() + "\n" + code)
            else:
                path.write_text(code)
            written.append(target.group(1))
        elif language == "sh":
            for command in shell_commands(f"```sh\n{code}```\n"):
                result = _run(command, project, env)
                assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
                outputs.append(result.stdout)
    assert written == [
        "authsite/settings.py",
        "notes/models.py",
        "notes/views.py",
        "notes/ninja_api.py",
        "notes/plain.py",
        "authsite/urls.py",
        "tests/test_notes.py",
    ]
    schema = (project / "notes-schema.yaml").read_text()
    assert "/api/notes/:" in schema and "- notes:write" in schema
    assert "4 passed" in outputs[-1], outputs[-1]
