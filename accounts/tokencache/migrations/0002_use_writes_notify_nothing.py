"""The token trigger ignores the whole record of use: `last_used_ip` as well as `last_used_at`.

The last-use write sets both columns; when only `last_used_at` was ignored, every such
write (once per interval per token) evicted the token from every process's cache, so
each busy token cost every worker one more database read per interval. Neither column
takes part in the token check.
"""

from django.db import migrations

CHANNEL = "authsite_tokencache"

FUNCTION = """
CREATE OR REPLACE FUNCTION tokencache_notify_token() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('{channel}', '*');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('{channel}', 't:' || OLD.id);
    ELSIF (to_jsonb(OLD) - {ignored}) IS DISTINCT FROM (to_jsonb(NEW) - {ignored}) THEN
        PERFORM pg_notify('{channel}', 't:' || OLD.id);
        IF NEW.id <> OLD.id THEN
            PERFORM pg_notify('{channel}', 't:' || NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def _replace(ignored: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(FUNCTION.format(channel=CHANNEL, ignored=ignored), None)

    return run


class Migration(migrations.Migration):
    dependencies = [("tokencache", "0001_notify_triggers")]

    operations = [
        migrations.RunPython(
            _replace("ARRAY['last_used_at', 'last_used_ip']"), _replace("'last_used_at'")
        )
    ]
