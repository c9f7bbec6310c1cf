"""User administration (issue 19 item 4): administrators, and committee staff for their
subtree, create accounts, give and end roles, reset passwords and deactivate, in the app and
from `chibo users`; a first sign-in forces a password change, and two-step enrolment where a
role requires it. Nobody hands out more than they hold."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from chibo.accounts import services
from chibo.accounts.models import Role, RoleAssignment, User
from chibo.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FROM = dt.date(2024, 1, 1)


def role(key: str) -> Role:
    return Role.objects.get(key=key)


def test_staff_create_a_secretary_in_their_subtree(staff_p1, tree):
    user, password = services.user_create(
        actor=staff_p1, username="new-secretary", full_name="Nguyễn Thị Hoa",
        role=role("party_cell_secretary"), org=tree["CA"], valid_from=FROM,
    )
    assert user.must_change_password and user.check_password(password)
    assert len(password) >= 16
    a = user.role_assignments.get()
    assert (a.role.key, a.org, a.valid_from) == ("party_cell_secretary", tree["CA"], FROM)
    actions = set(AuditEvent.objects.filter(target_id=str(user.pk)).values_list("action", flat=True))
    assert "user.create" in actions


@pytest.mark.parametrize(
    ("actor", "role_key", "org_key"),
    [
        ("staff_p1", "party_cell_secretary", "GZ1"),  # another province
        ("district_x", "party_cell_secretary", "CY1"),  # a sibling district
        ("staff_p1", "system_administrator", None),  # more than they hold
        ("staff_p1", "inspection_staff", "CA"),  # actions they do not hold (case.view)
        ("secretary_a", "party_cell_secretary", "CA"),  # secretaries manage no users
    ],
)
def test_refused_grants_write_nothing(personas, tree, actor, role_key, org_key):
    users, events = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.user_create(
            actor=personas[actor], username="someone", full_name="Someone",
            role=role(role_key), org=tree[org_key] if org_key else None, valid_from=FROM,
        )
    assert User.objects.count() == users and AuditEvent.objects.count() == events


def test_taken_username_and_weak_password_are_refused(staff_p1, tree):
    with translation.override("en"), pytest.raises(ValidationError, match="taken"):
        services.user_create(actor=staff_p1, username="SECRETARY_A", full_name="x",
                             role=role("party_cell_secretary"), org=tree["CA"], valid_from=FROM)
    with pytest.raises(ValidationError):
        services.user_create(actor=staff_p1, username="weak", full_name="x", password="123",
                             role=role("party_cell_secretary"), org=tree["CA"], valid_from=FROM)
    assert not User.objects.filter(username="weak").exists()


def test_reset_and_deactivate_need_to_manage_the_user(district_y, district_x, secretary_a):
    with pytest.raises(ValidationError):
        services.user_password_reset(actor=district_y, user=secretary_a, reason="forgot")
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=district_y, user=secretary_a, reason="left")
    password = services.user_password_reset(actor=district_x, user=secretary_a, reason="forgot")
    secretary_a.refresh_from_db()
    assert secretary_a.check_password(password) and secretary_a.must_change_password


def test_end_a_role_out_of_the_actors_area_is_refused(district_y, district_x, secretary_a):
    assignment = secretary_a.role_assignments.get()
    with pytest.raises(ValidationError):
        services.role_end(actor=district_y, assignment=assignment, on=dt.date(2025, 1, 1))
    services.role_end(actor=district_x, assignment=assignment, on=dt.date(2025, 1, 1), reason="moved")
    assignment.refresh_from_db()
    assert assignment.valid_to == dt.date(2025, 1, 1)


# --- pages ------------------------------------------------------------------------------------


def test_create_page_makes_the_account_and_shows_the_password_once(login, staff_p1, tree):
    c = login(staff_p1)
    r = c.post("/users/new/", {"username": "hoa", "full_name": "Nguyễn Thị Hoa",
                               "role": role("party_cell_secretary").pk, "org": "ORG-CELL-A",
                               "valid_from": "2024-01-01"})
    assert r.status_code == 302
    user = User.objects.get(username="hoa")
    page = c.get(r["Location"]).content.decode()
    shown = [p for p in page.split('<code class="secret" dir="ltr">')[1:]]
    assert len(shown) == 1
    password = shown[0].split("</code>")[0]
    assert user.check_password(password)
    assert password not in c.get(r["Location"]).content.decode()  # once only


def test_create_page_refuses_an_organization_outside_the_area(login, district_y):
    c = login(district_y)
    r = c.post("/users/new/", {"username": "x1", "full_name": "X",
                               "role": role("party_cell_secretary").pk, "org": "ORG-CELL-A",
                               "valid_from": "2024-01-01"})
    assert r.status_code == 200 and "ORG-CELL-A" in r.content.decode()
    assert not User.objects.filter(username="x1").exists()


def test_secretary_has_no_create_page(client_secretary_a):
    assert client_secretary_a.get("/users/new/").status_code == 404


def test_user_pages_of_another_area_are_404(login, district_y, secretary_a):
    c = login(district_y)
    assert c.get(f"/users/{secretary_a.pk}/").status_code == 404
    for action in ("roles/", "roles/end/", "password/", "deactivate/"):
        assert c.post(f"/users/{secretary_a.pk}/{action}", {"reset-reason": "x"}).status_code == 404
    secretary_a.refresh_from_db()
    assert secretary_a.is_active and not secretary_a.must_change_password


def test_give_a_role_from_the_page(login, district_x, secretary_a):
    c = login(district_x)
    r = c.post(f"/users/{secretary_a.pk}/roles/", {"role": role("party_cell_secretary").pk,
                                                   "org": "ORG-CELL-B", "valid_from": "2024-05-01"})
    assert r.status_code == 302
    assert secretary_a.role_assignments.filter(org__code="ORG-CELL-B").exists()


# --- first sign-in ------------------------------------------------------------------------------


def test_first_sign_in_forces_a_password_change(staff_p1, tree):
    user, password = services.user_create(
        actor=staff_p1, username="first", full_name="First", role=role("party_cell_secretary"),
        org=tree["CA"], valid_from=FROM,
    )
    c = Client()
    assert c.post("/login/", {"username": "first", "password": password}).status_code == 302
    r = c.get("/members/")
    assert r.status_code == 302 and r["Location"] == "/account/password/"
    assert c.get("/api/v1/organizations/").status_code == 403
    new = "a much longer secret 4711"
    r = c.post("/account/password/", {"old_password": password, "new_password1": new,
                                      "new_password2": new})
    assert r.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(new)
    assert c.get("/members/").status_code == 200


def test_a_role_requiring_two_step_sends_to_enrolment(admin, tree):
    user, password = services.user_create(
        actor=admin, username="inspector", full_name="Inspector", role=role("inspection_staff"),
        org=tree["P1"], valid_from=FROM,
    )
    user.must_change_password = False
    user.save()
    c = Client()
    c.post("/login/", {"username": "inspector", "password": password})
    r = c.get("/")
    assert r.status_code == 302 and r["Location"] == "/account/two-step/"


# --- command line -------------------------------------------------------------------------------


def test_cli_create_assign_end_deactivate(tree):
    out, err = io.StringIO(), io.StringIO()
    call_command("users", "create", "cli-user", "--full-name", "Trần Văn B",
                 "--role", "party_cell_secretary", "--org", "ORG-CELL-A", "--from", "2024-01-01",
                 stdout=out, stderr=err)
    user = User.objects.get(username="cli-user")
    assert user.check_password(out.getvalue().strip())
    call_command("users", "assign", "cli-user", "--role", "committee_viewer", "--org", "ORG-GX1",
                 "--from", "2024-02-01", stdout=io.StringIO())
    call_command("users", "end", "cli-user", "--role", "committee_viewer", "--org", "ORG-GX1",
                 "--on", "2024-03-01", "--reason", "temporary", stdout=io.StringIO())
    ended = RoleAssignment.objects.get(user=user, role__key="committee_viewer")
    assert ended.valid_to == dt.date(2024, 3, 1)
    call_command("users", "deactivate", "cli-user", "--reason", "left", stdout=io.StringIO())
    user.refresh_from_db()
    assert not user.is_active


def test_cli_as_a_user_is_refused_what_they_may_not_do(tree, district_y):
    with pytest.raises(CommandError):
        call_command("users", "create", "x2", "--full-name", "X", "--role", "party_cell_secretary",
                     "--org", "ORG-CELL-A", "--as", "district_y", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No role"):
        call_command("users", "create", "x3", "--full-name", "X", "--role", "nope",
                     stdout=io.StringIO())
    assert not User.objects.filter(username__in=["x2", "x3"]).exists()
