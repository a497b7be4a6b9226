"""Every management command in the README and docs/ runs as copied on a fresh clone.

The shell blocks are read from the Markdown, and each command that runs manage.py is run in
order, with no DJANGO_DEBUG or DJANGO_SECRET_KEY set (as on a fresh clone), against a temporary
SQLite database that `migrate` prepared, as `make run` does.
"""

import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"^```(?:sh|bash|shell|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Long-running or interactive commands are walked through by hand, not here.
_SKIP = ("runserver", "shell", "db_worker")


def _pages() -> list[Path]:
    # docs/your-api.md adds an app to the project: its own test runs it in a copy.
    pages = sorted(page for page in (ROOT / "docs").glob("*.md") if page.name != "your-api.md")
    return [ROOT / "README.md", *pages]


def shell_commands(text: str) -> list[str]:
    """Return the commands of a Markdown text's shell blocks, continuation lines joined."""
    commands = []
    for block in _BLOCK.findall(text):
        joined = re.sub(r"\\\n\s*", " ", block)
        pending = ""
        for line in joined.splitlines():
            pending = f"{pending}\n{line}" if pending else line
            try:
                # shlex drops comments (`# 204`) but keeps a `#` inside quotes.
                words = shlex.split(pending, comments=True)
            except ValueError:
                continue  # a quoted string goes on over the next line
            pending = ""
            if words:
                commands.append(shlex.join(words))
    return commands


def management_commands() -> list[tuple[str, str]]:
    found = []
    for page in _pages():
        for command in shell_commands(page.read_text()):
            words = shlex.split(command)
            if "manage.py" in words and not any(word in _SKIP for word in words):
                found.append((page.name, command))
    return found


def test_shell_blocks_are_read_with_comments_dropped():
    text = (
        '```sh\nmake run  # serves\nX="a # b" .venv/bin/python manage.py check \\\n'
        "  --deploy\n```\n"
    )
    assert shell_commands(text) == [
        "make run",
        "'X=a # b' .venv/bin/python manage.py check --deploy",
    ]


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Run with this interpreter, whatever the page says (.venv/bin/python or python).
    words = shlex.split(command)
    index = words.index("manage.py")
    assignments = [word for word in words[: index - 1] if "=" in word]
    argv = [sys.executable, "manage.py", *words[index + 1 :]]
    for assignment in assignments:
        name, value = assignment.split("=", 1)
        env = {**env, name: value}
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_every_documented_management_command_runs_as_copied(tmp_path):
    commands = management_commands()
    assert any("createtoken" in command for _, command in commands), commands
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    # What `make run` and the README's walk-through (which registers ada) did before.
    setup = [
        "migrate --noinput",
        "createcachetable",
        'shell -c "from accounts.models import User; User.objects.create_user('
        "'ada@example.com', 'plum-tree orbit harbour lantern')\"",
    ]
    for command in setup:
        result = _run(f"python manage.py {command}", env)
        assert result.returncode == 0, result.stderr
    for page, command in commands:
        result = _run(command, env)
        assert result.returncode == 0, f"{page}: {command}\n{result.stderr}"
        assert "Traceback" not in result.stderr


def test_make_run_on_a_busy_port_names_the_fix(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            ["make", "-s", "run", f"PORT={port}"],
            cwd=ROOT,
            env={
                "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr
    # Stopped before migrate touched any database.
    assert not (tmp_path / "db.sqlite3").exists()
