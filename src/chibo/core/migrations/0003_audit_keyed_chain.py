"""The keyed hash chain (core/chain.py, issue 18 items 2-3).

Existing rows are not rewritten: they keep their scheme, recorded per row — audit events 1 (the
unkeyed SHA-256 chain), read-log rows 0 (no chain) — and `chibo audit verify` checks each row by
its own scheme; new rows are scheme 2 and the first links to the last old row. Rewriting history
would need the append-only triggers off and would bless any tampering already done.

On SQLite, adding these columns rebuilds the tables, which drops their triggers: they are
installed again at the end (as migration 0002 does).
"""

import importlib

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def reinstall_guard(apps, schema_editor):
    if not getattr(settings, "CHIBO_AUDIT_DB_GUARD", True):
        return
    importlib.import_module("chibo.core.migrations.0002_audit_append_only").install(
        schema_editor.connection
    )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_audit_append_only'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='prev_id',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='scheme',
            field=models.PositiveSmallIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='readlogentry',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='readlogentry',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='readlogentry',
            name='prev_id',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='readlogentry',
            name='scheme',
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='readlogentry',
            name='seq',
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='time'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='readlogentry',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='time'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='scheme',
            field=models.PositiveSmallIntegerField(default=2, editable=False),
        ),
        migrations.AlterField(
            model_name='readlogentry',
            name='scheme',
            field=models.PositiveSmallIntegerField(default=2, editable=False),
        ),
        migrations.RunPython(reinstall_guard, migrations.RunPython.noop),
    ]
