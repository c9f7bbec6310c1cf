"""The database refuses UPDATE and DELETE on the audit trail and the read log (security.md G22).

Triggers on both backends, so that not even a bulk `update()` or raw SQL from the application can
alter history. (Where the deployment has a separate database role for the application, also
REVOKE UPDATE, DELETE on these tables from it.)
"""

from django.conf import settings
from django.db import migrations

TABLES = ["core_auditevent", "core_readlogentry"]


def forwards(apps, schema_editor):
    if not getattr(settings, "CHIBO_AUDIT_DB_GUARD", True):
        return
    install(schema_editor.connection)


def install(connection):
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                """
                CREATE OR REPLACE FUNCTION chibo_append_only() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION 'chibo: % is append-only', TG_TABLE_NAME;
                END;
                $$ LANGUAGE plpgsql;
                """
            )
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
                cursor.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION chibo_append_only();"
                )
        elif vendor == "sqlite":
            for table in TABLES:
                for op in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, 'chibo: {table} is append-only'); END;"
                    )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
            elif vendor == "sqlite":
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
