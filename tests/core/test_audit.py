"""The audit trail is append-only for the app and hash-chained (security.md G22)."""

from __future__ import annotations

import pytest
from django.db import connection

from chibo.core.audit import audit_log, read_log, verify_chain
from chibo.core.models import AppendOnlyError, AuditEvent, ReadLogEntry
from chibo.core.scoping import Scope
from tests.factories import make_persona

pytestmark = pytest.mark.django_db


def _three(actor=None):
    return [
        audit_log(actor=actor, action="test.one", target_type="x", target_id="1",
                  org_path="00000001", after={"name": "Hạ Long"}),
        audit_log(actor=actor, action="test.two", target_type="x", target_id="2",
                  org_path="0000000100000002", before={"a": 1}, after={"a": 2}, reason="why"),
        audit_log(actor=actor, action="test.three", target_type="x", target_id="3",
                  org_path="00000009", after=None),
    ]


def test_audit_log_writes_a_chain():
    user = make_persona("auditor")
    a, b, c = _three(user)
    assert a.prev_hash == ""
    assert b.prev_hash == a.hash
    assert c.prev_hash == b.hash
    assert len({a.hash, b.hash, c.hash}) == 3
    for e in (a, b, c):
        assert len(e.hash) == 64
        assert e.hash == e.compute_hash()
        assert e.actor_id == user.pk
    assert verify_chain() == []


def test_audit_log_anonymous_actor_and_target():
    user = make_persona("target")
    e = audit_log(actor=None, action="test.target", target=user)
    assert e.actor_id is None
    assert e.target_type == "accounts.user"
    assert e.target_id == str(user.pk)
    assert e.target_label == "target"


TABLE = AuditEvent._meta.db_table


def _tamper(sql: str, params: list) -> None:
    """What someone with the database owner's rights could do: switch the append-only triggers
    off, if installed (inside the test's transaction, so they come back afterwards), and edit
    rows. That the triggers refuse such edits is tested in tests/access/test_audit_guard.py."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # run the deferred foreign-key checks first: ALTER TABLE refuses pending events
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                        [TABLE])
            for (name,) in cur.fetchall():
                cur.execute(f'DROP TRIGGER "{name}"')
        cur.execute(sql, params)


def test_verify_chain_detects_raw_sql_update():
    a, b, c = _three()
    _tamper(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["forged", b.pk])  # noqa: S608
    assert AuditEvent.objects.get(pk=b.pk).reason == "forged"
    assert verify_chain() == [b.pk]


def test_verify_chain_detects_rehashed_row_via_the_chain():
    """Editing a row and recomputing its own hash still breaks the next row's link."""
    a, b, c = _three()
    b.reason = "forged"
    new_hash = b.compute_hash()
    _tamper(f"UPDATE {TABLE} SET reason = %s, hash = %s WHERE id = %s",  # noqa: S608
            ["forged", new_hash, b.pk])
    assert verify_chain() == [c.pk]


def test_verify_chain_detects_raw_sql_delete():
    a, b, c = _three()
    _tamper(f"DELETE FROM {TABLE} WHERE id = %s", [b.pk])  # noqa: S608
    assert verify_chain() == [c.pk]


def test_save_of_existing_row_refused():
    a, _b, _c = _three()
    a.reason = "changed"
    with pytest.raises(AppendOnlyError):
        a.save()
    fresh = AuditEvent.objects.get(pk=a.pk)
    with pytest.raises(AppendOnlyError):
        fresh.save(update_fields=["reason"])
    assert AuditEvent.objects.get(pk=a.pk).reason == ""


def test_delete_refused():
    a, _b, _c = _three()
    with pytest.raises(AppendOnlyError):
        a.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=a.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 3


def test_queryset_update_refused():
    _three()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(action="test.one").update(reason="x")
    assert not AuditEvent.objects.filter(reason="x").exists()
    assert verify_chain() == []


def test_newlines_in_labels_cannot_forge_entries():
    """CR/LF in a name stays inside one JSON field and one row."""
    e = audit_log(actor=None, action="test.crlf", target_type="x", target_id="1",
                  target_label="A\r\nFAKE test.forged", after={"name": "A\nB"})
    assert AuditEvent.objects.count() == 1
    assert "\n" not in e.payload()
    assert verify_chain() == []


def test_audit_events_are_scoped_by_org_path():
    _three()
    qs = AuditEvent.objects.all()
    assert qs.filter(qs.scope_filter(Scope(paths=("00000001",)))).count() == 2
    assert qs.filter(qs.scope_filter(Scope(paths=("00000009",)))).count() == 1


def test_read_log_records_without_values():
    reader = make_persona("reader")
    target = make_persona("person")
    entry = read_log(actor=reader, target=target, org_path="00000001", purpose="view")
    assert entry.target_type == "accounts.user"
    assert entry.target_id == str(target.pk)
    assert ReadLogEntry.objects.count() == 1
