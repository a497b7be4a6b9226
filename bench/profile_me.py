"""Where the time of GET /api/auth/me/ goes: `python bench/profile_me.py [N] [--tree]`.

Runs N requests in-process (Django's test client, the whole middleware and DRF
stack) under cProfile and prints the share of the request spent in each part;
--tree prints pyinstrument's call tree instead. BENCH_STACK=shipped|peers picks
the stack (bench/settings.py), DATABASE_URL the database.
"""

import cProfile
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import Token, User  # noqa: E402

# (label, file suffix, function name): cumulative time of each, as a share of the request.
PARTS = [
    ("whole request (handler)", "core/handlers/base.py", "get_response"),
    ("authentication (DRF Request._authenticate)", "rest_framework/request.py", "_authenticate"),
    ("  ORM: building the query (QuerySet.get/filter)", "db/models/query.py", "filter"),
    ("  ORM: SQL compiler as_sql", "db/models/sql/compiler.py", "as_sql"),
    ("  ORM: execute_sql (incl. database)", "db/models/sql/compiler.py", "execute_sql"),
    ("  database driver execute", "db/backends/utils.py", "_execute"),
    ("  model instantiation (token lookup build)", "accounts/tokens/lookup.py", "build"),
    ("  app settings lookups (AppSettings)", "accounts/conf.py", "__getattr__"),
    ("  last_used_at write (Token.touch)", "accounts/models.py", "touch"),
    ("  connection health check", "db/backends/base/base.py", "close_if_unusable_or_obsolete"),
    ("permissions (check_permissions)", "rest_framework/views.py", "check_permissions"),
    ("serializer (Serializer.data)", "rest_framework/serializers.py", "data"),
    ("  ModelSerializer.get_fields", "rest_framework/serializers.py", "get_fields"),
    ("rendering (finalize_response + render)", "response.py", "rendered_content"),
    ("view dispatch (APIView.dispatch)", "rest_framework/views.py", "dispatch"),
]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 3000
    call_command("migrate", verbosity=0)
    User.objects.filter(email="profile@example.com").delete()
    user = User.objects.create_user("profile@example.com", None)
    _, raw = Token.objects.issue(user, name="profile")
    client = Client()
    header = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for _ in range(200):
        assert client.get("/api/auth/me/", **header).status_code == 200
    if "--tree" in sys.argv:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(count):
            client.get("/api/auth/me/", **header)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=True))
        return
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        client.get("/api/auth/me/", **header)
    profile.disable()
    stats = pstats.Stats(profile).stats
    totals = {}
    for (filename, _line, name), (_cc, _nc, _tt, cumtime, _callers) in stats.items():
        for label, suffix, func in PARTS:
            if name == func and filename.endswith(suffix):
                totals[label] = totals.get(label, 0.0) + cumtime
    whole = totals.get(PARTS[0][0]) or 1.0
    print(f"{count} requests; cumulative time under cProfile, share of the handler's time")
    for label, _suffix, _func in PARTS:
        seconds = totals.get(label, 0.0)
        print(f"{label:<52} {seconds / count * 1e6:8.0f} us/req  {seconds / whole:6.1%}")


if __name__ == "__main__":
    main()
