"""Name search served by an index: pg_trgm's GIN index on PostgreSQL, an FTS5 trigram table kept
by triggers on SQLite (see chibo.members.search_index)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from chibo.members.search_index import create_search_index

    create_search_index(schema_editor.connection)


def backwards(apps, schema_editor):
    from chibo.members.search_index import drop_search_index

    drop_search_index(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0003_covering_indexes'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
