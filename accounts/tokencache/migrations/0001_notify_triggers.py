"""PostgreSQL triggers that tell every process's token cache what changed.

A change to a token or a user row, made any way (API, admin, command, raw SQL by an
operator, another host), sends `NOTIFY authsite_tokencache` when its transaction
commits; accounts/tokencache/listener.py evicts. Writes that only record use
(`last_used_at`, `last_login`) notify nothing. Other databases get no triggers (the
cache is PostgreSQL-only).
"""

from django.conf import settings
from django.db import migrations

CHANNEL = "authsite_tokencache"

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION tokencache_notify_token() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('{CHANNEL}', '*');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('{CHANNEL}', 't:' || OLD.id);
    ELSIF (to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at') THEN
        PERFORM pg_notify('{CHANNEL}', 't:' || OLD.id);
        IF NEW.id <> OLD.id THEN
            PERFORM pg_notify('{CHANNEL}', 't:' || NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION tokencache_notify_user() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('{CHANNEL}', '*');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('{CHANNEL}', 'u:' || OLD.id);
    ELSIF (to_jsonb(OLD) - 'last_login') IS DISTINCT FROM (to_jsonb(NEW) - 'last_login') THEN
        PERFORM pg_notify('{CHANNEL}', 'u:' || OLD.id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE TRIGGER tokencache_{name}_rows AFTER UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION tokencache_notify_{name}();
CREATE TRIGGER tokencache_{name}_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION tokencache_notify_{name}();
"""

DROP = """
DROP TRIGGER IF EXISTS tokencache_{name}_rows ON {table};
DROP TRIGGER IF EXISTS tokencache_{name}_truncate ON {table};
DROP FUNCTION IF EXISTS tokencache_notify_{name}();
"""


def _tables(apps, schema_editor):
    quote = schema_editor.quote_name
    token = apps.get_model("accounts", "Token")
    user = apps.get_model(settings.AUTH_USER_MODEL)
    return [("token", quote(token._meta.db_table)), ("user", quote(user._meta.db_table))]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, None)
    for name, table in _tables(apps, schema_editor):
        schema_editor.execute(TRIGGERS.format(name=name, table=table), None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in _tables(apps, schema_editor):
        schema_editor.execute(DROP.format(name=name, table=table), None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create, drop)]
