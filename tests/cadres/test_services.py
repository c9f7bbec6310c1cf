"""Cadre services: the rules a post follows, and bad input refused with a clear message and
nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from chibo.accounts.models import RoleAssignment
from chibo.cadres import services
from chibo.cadres.models import (
    Enrolment,
    Method,
    Position,
    Post,
    Rotation,
    Secondment,
    TrainingCourse,
    WatchAssignment,
)
from chibo.cadres.services import DecisionInfo
from chibo.core.models import AuditEvent
from chibo.core.scoping import forget_scope
from chibo.members import services as members
from chibo.members.choices import EventType
from chibo.orgs.models import Organization
from chibo.orgs.services import org_dissolve
from tests.factories import make_persona

from .conftest import ON, admit, admit_many

D = dt.date


def _counts() -> tuple[int, int, int]:
    return Post.objects.count(), TrainingCourse.objects.count(), AuditEvent.objects.count()


def _refused(match: str, fn, **kwargs) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    with translation.override("en"), pytest.raises(ValidationError, match=match):
        fn(actor=None, **kwargs)
    assert _counts() == before


@pytest.mark.django_db
def test_a_secretary_is_an_official_member_active_in_the_cell(tree):
    m = admit(tree["CA"])
    post = services.post_assign(
        actor=None, org=tree["CA"], member=m, position=Position.SECRETARY, valid_from=ON
    )
    assert post.valid_to is None
    assert AuditEvent.objects.filter(action="post.assign", target_id=str(post.pk)).exists()


@pytest.mark.django_db
def test_a_probationary_secretary_is_refused(tree):
    m = admit(tree["CA"], official=False)
    _refused(
        "not an official member",
        services.post_assign,
        org=tree["CA"],
        member=m,
        position=Position.SECRETARY,
        valid_from=ON,
    )


@pytest.mark.django_db
def test_a_member_of_another_cell_needs_a_documented_exception(tree):
    m = admit(tree["CB"])
    _refused(
        "not active in",
        services.post_assign,
        org=tree["CA"],
        member=m,
        position=Position.SECRETARY,
        valid_from=ON,
    )
    post = services.post_assign(
        actor=None,
        org=tree["CA"],
        member=m,
        position=Position.SECRETARY,
        valid_from=ON,
        exception="Decision 12-QĐ/ĐU: seconded from cell B",
    )
    assert post.exception


@pytest.mark.django_db
def test_two_secretaries_of_one_cell_on_the_same_day_are_refused(tree):
    a, b = admit(tree["CA"]), admit(tree["CA"])
    services.post_assign(
        actor=None,
        org=tree["CA"],
        member=a,
        position=Position.SECRETARY,
        valid_from=ON,
        valid_to=D(2022, 1, 1),
    )
    _refused(
        "already has a secretary",
        services.post_assign,
        org=tree["CA"],
        member=b,
        position=Position.SECRETARY,
        valid_from=D(2021, 12, 31),
    )
    # the day the first one's term ends, the next may start
    services.post_assign(
        actor=None, org=tree["CA"], member=b, position=Position.SECRETARY, valid_from=D(2022, 1, 1)
    )


@pytest.mark.django_db
def test_a_small_cell_elects_a_secretary_and_one_deputy_not_a_committee(tree):
    people = admit_many(tree["CA"], 4)
    services.post_assign(
        actor=None, org=tree["CA"], member=people[0], position=Position.SECRETARY, valid_from=ON
    )
    services.post_assign(
        actor=None,
        org=tree["CA"],
        member=people[1],
        position=Position.DEPUTY_SECRETARY,
        valid_from=ON,
    )
    _refused(
        "at most 1 deputy",
        services.post_assign,
        org=tree["CA"],
        member=people[2],
        position=Position.DEPUTY_SECRETARY,
        valid_from=ON,
    )
    _refused(
        "not a cell committee",
        services.post_assign,
        org=tree["CA"],
        member=people[3],
        position=Position.CELL_COMMITTEE_MEMBER,
        valid_from=ON,
    )


@pytest.mark.django_db
def test_a_cell_of_nine_official_members_elects_a_committee(tree):
    people = admit_many(tree["CA"], 9)
    probationary = admit(tree["CA"], official=False)
    assert probationary  # not counted: 9 official members
    for m in people[:3]:
        services.post_assign(
            actor=None,
            org=tree["CA"],
            member=m,
            position=Position.CELL_COMMITTEE_MEMBER,
            valid_from=ON,
        )
    services.post_assign(
        actor=None,
        org=tree["CA"],
        member=people[3],
        position=Position.DEPUTY_SECRETARY,
        valid_from=ON,
    )
    services.post_assign(
        actor=None,
        org=tree["CA"],
        member=people[4],
        position=Position.DEPUTY_SECRETARY,
        valid_from=ON,
    )
    assert Post.objects.filter(org=tree["CA"]).count() == 5


@pytest.mark.django_db
def test_a_post_ends_with_its_organization(tree):
    m = admit(tree["CA"])
    org_dissolve(actor=None, org=tree["CA"], on=D(2023, 1, 1))
    post = services.post_assign(
        actor=None,
        org=Organization.objects.get(pk=tree["CA"].pk),
        member=m,
        position=Position.SECRETARY,
        valid_from=ON,
    )
    assert post.valid_to is not None and post.valid_to <= D(2023, 1, 1)


@pytest.mark.django_db
def test_reconcile_ends_a_post_when_its_holder_leaves(tree):
    m = admit(tree["CA"])
    post = services.post_assign(
        actor=None, org=tree["CA"], member=m, position=Position.SECRETARY, valid_from=ON
    )
    members.member_event(actor=None, member=m, type=EventType.DECEASED, on=D(2023, 5, 1))
    assert services.posts_reconcile(actor=None) == 1
    post.refresh_from_db()
    assert post.valid_to == D(2023, 5, 1)
    assert services.posts_reconcile(actor=None) == 0


@pytest.mark.django_db
def test_an_appointment_needs_its_decision(tree):
    m = admit(tree["CA"])
    _refused(
        "needs the number",
        services.post_assign,
        org=tree["CA"],
        member=m,
        position=Position.SECRETARY,
        valid_from=ON,
        method=Method.APPOINTMENT,
    )


@pytest.mark.django_db
def test_a_course_that_ends_before_it_starts_is_refused(tree):
    _refused(
        "ends .* before it starts",
        services.course_create,
        organizer=tree["P1"],
        topic="Nghiệp vụ công tác Đảng",
        kind="skills",
        starts_on=D(2023, 5, 10),
        ends_on=D(2023, 5, 9),
    )
    c = services.course_create(
        actor=None,
        organizer=tree["P1"],
        topic="Nghiệp vụ công tác Đảng",
        kind="skills",
        starts_on=D(2023, 5, 10),
        ends_on=D(2023, 5, 12),
    )
    m = admit(tree["CA"])
    services.enrolment_record(actor=None, course=c, member=m, attended_days=3, completed=True)
    with pytest.raises(ValidationError):
        services.enrolment_record(actor=None, course=c, member=m, attended_days=1)
    with pytest.raises(ValidationError):
        services.enrolment_record(actor=None, course=c, member=admit(tree["CB"]), attended_days=4)
    assert Enrolment.objects.count() == 1


@pytest.mark.django_db
def test_rotation_moves_a_cadre_between_posts(tree):
    m = admit(tree["CA"])
    post = services.post_assign(
        actor=None, org=tree["CA"], member=m, position=Position.SECRETARY, valid_from=ON
    )
    r = services.rotation_record(
        actor=None,
        post=post,
        to_org=tree["GY1"],
        position=Position.DEPUTY_SECRETARY,
        on=D(2022, 6, 1),
        decision=DecisionInfo("45-QĐ/TU", D(2022, 5, 20)),
        exception="Luân chuyển theo Quyết định 45-QĐ/TU",
    )
    post.refresh_from_db()
    assert post.valid_to == D(2022, 6, 1)
    assert r.to_post.org_id == tree["GY1"].pk and Rotation.objects.count() == 1


@pytest.mark.django_db
def test_a_watcher_gets_a_role_at_the_unit_for_the_period(tree):
    m = admit(tree["CA"])
    user = make_persona("watcher")
    m.user = user
    m.save(update_fields=["user"])
    services.post_assign(
        actor=None, org=tree["GX1"], member=m, position=Position.COMMITTEE_MEMBER, valid_from=ON
    )
    w = services.watch_assign(
        actor=None,
        watcher=m,
        committee=tree["GX1"],
        unit=tree["CB"],
        valid_from=ON,
        valid_to=D(2030, 1, 1),
    )
    assert w.role_assignment is not None and w.role_assignment.org_id == tree["CB"].pk
    with pytest.raises(ValidationError):  # not under the committee's node
        services.watch_assign(
            actor=None, watcher=m, committee=tree["GX1"], unit=tree["CY1"], valid_from=ON
        )
    services.watch_end(actor=None, watch=w, on=D(2024, 1, 1))
    assert RoleAssignment.objects.get(pk=w.role_assignment.pk).valid_to == D(2024, 1, 1)
    forget_scope(user)
    assert WatchAssignment.objects.count() == 1


@pytest.mark.django_db
def test_a_secondment_needs_its_decision(tree):
    m = admit(tree["GX2"])
    with pytest.raises(ValidationError):
        services.secondment_record(
            actor=None,
            member=m,
            from_org=tree["GX2"],
            to_org=tree["GY1"],
            post_held="Phó Bí thư",
            valid_from=ON,
            valid_to=None,
            decision=DecisionInfo(),
        )
    services.secondment_record(
        actor=None,
        member=m,
        from_org=tree["GX2"],
        to_org=tree["GY1"],
        post_held="Phó Bí thư Đảng ủy",
        valid_from=ON,
        valid_to=D(2023, 3, 1),
        decision=DecisionInfo("12-QĐ/TU", D(2021, 2, 20)),
    )
    assert Secondment.objects.count() == 1
