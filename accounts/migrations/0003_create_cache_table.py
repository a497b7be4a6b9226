"""Create the database cache table that holds the login-failure and rate-limit counters.

`createcachetable` does this too (make run runs it); doing it in a migration means
that `migrate` alone prepares any database, so no deployment can forget it and
answer its first login with a 500. With REDIS_URL set there is no database cache
and this does nothing.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_token_idle_timeout")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
