"""The database refuses two overlapping official affiliations of one member.

PostgreSQL: an exclusion constraint over (member, [valid_from, valid_to)) for official rows
(btree_gist). SQLite: triggers that abort an insert or update that would overlap.
"""

from django.db import migrations

PG = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist;",
    """ALTER TABLE members_affiliation ADD CONSTRAINT members_affiliation_official_no_overlap
       EXCLUDE USING gist (member_id WITH =, daterange(valid_from, valid_to, '[)') WITH &&)
       WHERE (kind = 'official');""",
]
PG_BACK = ["ALTER TABLE members_affiliation DROP CONSTRAINT IF EXISTS members_affiliation_official_no_overlap;"]

_OVERLAP = """
    NEW.kind = 'official' AND EXISTS (
        SELECT 1 FROM members_affiliation a
        WHERE a.member_id = NEW.member_id AND a.kind = 'official' AND a.id <> COALESCE(NEW.id, -1)
          AND (a.valid_to IS NULL OR a.valid_to > NEW.valid_from)
          AND (NEW.valid_to IS NULL OR NEW.valid_to > a.valid_from)
    )"""
SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS members_affiliation_no_overlap_insert
        BEFORE INSERT ON members_affiliation WHEN {_OVERLAP}
        BEGIN SELECT RAISE(ABORT, 'overlapping official affiliation'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS members_affiliation_no_overlap_update
        BEFORE UPDATE ON members_affiliation WHEN {_OVERLAP}
        BEGIN SELECT RAISE(ABORT, 'overlapping official affiliation'); END;""",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS members_affiliation_no_overlap_insert;",
    "DROP TRIGGER IF EXISTS members_affiliation_no_overlap_update;",
]


def forwards(apps, schema_editor):
    statements = {"postgresql": PG, "sqlite": SQLITE}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = {"postgresql": PG_BACK, "sqlite": SQLITE_BACK}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
