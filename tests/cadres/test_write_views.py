"""The cadre write pages: appoint to a post, end a post, create a course, enrol, record a result.
Each calls one service: success writes the row and its audit event; a user who sees the unit but
may not act there gets 403; another province's objects are 404; a refusal of the service shows
its message in the form and writes nothing. And the signed-in member's own "my posts" page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from chibo.cadres import services
from chibo.cadres.models import Enrolment, Position, Post, TrainingCourse
from chibo.core.models import AuditEvent
from tests.factories import make_persona

from .conftest import ON, admit

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def login():
    """A client signed in as the user, asking for English (the service's messages are matched)."""

    def make(user):
        c = Client(headers={"accept-language": "en"})
        c.force_login(user)
        return c

    return make


@pytest.fixture
def viewer(tree):
    """Sees the whole province (member.view) but may change nothing."""
    return make_persona("viewer_p1", role="committee_viewer", org=tree["P1"])


def _assign_data(member, **over):
    data = {
        "member": member.pk,
        "position": Position.SECRETARY,
        "method": "election",
        "valid_from": ON.isoformat(),
        "valid_to": "",
        "decision_no": "",
        "decision_date": "",
        "exception": "",
    }
    data.update(over)
    return data


def _body(r) -> str:
    return r.content.decode()


# --- appointing -------------------------------------------------------------------------------------


def test_staff_appoints_a_secretary(tree, staff_p1, login):
    m = admit(tree["CA"], "Đỗ Văn Bổ")
    c = login(staff_p1)
    url = f"/cadres/units/{tree['CA'].code}/posts/new/"
    page = c.get(url)
    assert page.status_code == 200 and "Đỗ Văn Bổ" in _body(page)  # the member is offered
    r = c.post(url, _assign_data(m))
    post = Post.objects.get(org=tree["CA"], member=m)
    assert r.status_code == 302 and r.headers["Location"] == f"/cadres/posts/{post.pk}/"
    assert post.position == Position.SECRETARY and post.valid_from == ON
    assert AuditEvent.objects.filter(action="post.assign", target_id=str(post.pk), actor=staff_p1).exists()


def test_the_cell_secretary_appoints_a_deputy_in_their_own_cell(tree, secretary_a, login):
    m = admit(tree["CA"])
    r = login(secretary_a).post(
        f"/cadres/units/{tree['CA'].code}/posts/new/", _assign_data(m, position=Position.DEPUTY_SECRETARY)
    )
    assert r.status_code == 302
    assert Post.objects.filter(org=tree["CA"], member=m, position=Position.DEPUTY_SECRETARY).exists()


def test_a_probationary_member_is_refused_as_secretary(tree, staff_p1, login):
    m = admit(tree["CA"], official=False)
    events = AuditEvent.objects.count()
    r = login(staff_p1).post(f"/cadres/units/{tree['CA'].code}/posts/new/", _assign_data(m))
    assert r.status_code == 400
    assert "is not an official member" in _body(r)
    assert not Post.objects.filter(member=m).exists()
    assert AuditEvent.objects.count() == events


def test_two_secretaries_of_one_cell_on_the_same_day_are_refused(tree, staff_p1, login):
    first, second = admit(tree["CA"], "Lý Văn Một"), admit(tree["CA"], "Lý Văn Hai")
    services.post_assign(actor=None, org=tree["CA"], member=first, position=Position.SECRETARY, valid_from=ON)
    events = AuditEvent.objects.count()
    r = login(staff_p1).post(f"/cadres/units/{tree['CA'].code}/posts/new/", _assign_data(second))
    assert r.status_code == 400
    assert "already has a secretary" in _body(r) and "Lý Văn Một" in _body(r)
    assert not Post.objects.filter(member=second).exists()
    assert AuditEvent.objects.count() == events


def test_an_appointment_without_its_decision_number_is_refused(tree, staff_p1, login):
    m = admit(tree["CA"])
    r = login(staff_p1).post(
        f"/cadres/units/{tree['CA'].code}/posts/new/", _assign_data(m, method="appointment")
    )
    assert r.status_code == 400 and "needs the number of its decision" in _body(r)
    assert not Post.objects.filter(member=m).exists()


def test_a_viewer_in_scope_gets_403_and_no_button(tree, viewer, login):
    m = admit(tree["CA"])
    c = login(viewer)
    url = f"/cadres/units/{tree['CA'].code}/posts/new/"
    unit = c.get(f"/cadres/units/{tree['CA'].code}/")
    assert unit.status_code == 200 and url not in _body(unit)
    assert c.get(url).status_code == 403
    assert c.post(url, _assign_data(m)).status_code == 403
    assert not Post.objects.filter(member=m).exists()


def test_staff_see_the_button(tree, staff_p1, login):
    body = _body(login(staff_p1).get(f"/cadres/units/{tree['CA'].code}/"))
    assert f"/cadres/units/{tree['CA'].code}/posts/new/" in body


def test_another_provinces_unit_is_404(tree, staff_p1, secretary_a, login):
    m = admit(tree["CA"])
    url = f"/cadres/units/{tree['GZ1'].code}/posts/new/"
    assert login(staff_p1).get(url).status_code == 404
    assert login(staff_p1).post(url, _assign_data(m)).status_code == 404
    # a sibling cell is out of a secretary's scope too
    assert login(secretary_a).get(f"/cadres/units/{tree['CB'].code}/posts/new/").status_code == 404
    # ... while their own units' forms are there (the 404 is not an accident of the URL)
    assert login(staff_p1).get(f"/cadres/units/{tree['CA'].code}/posts/new/").status_code == 200
    assert login(secretary_a).get(f"/cadres/units/{tree['CA'].code}/posts/new/").status_code == 200
    assert not Post.objects.filter(member=m).exists()


# --- ending a post ------------------------------------------------------------------------------------


@pytest.fixture
def secretary_post(tree):
    return services.post_assign(
        actor=None, org=tree["CA"], member=admit(tree["CA"]), position=Position.SECRETARY, valid_from=ON
    )


def test_ending_a_post(secretary_post, staff_p1, login):
    url = f"/cadres/posts/{secretary_post.pk}/end/"
    c = login(staff_p1)
    assert url in _body(c.get(f"/cadres/posts/{secretary_post.pk}/"))  # the button
    r = c.post(url, {"on": "2023-05-01", "reason": "Chuyển công tác"})
    assert r.status_code == 302
    secretary_post.refresh_from_db()
    assert secretary_post.valid_to == D(2023, 5, 1) and secretary_post.end_reason == "Chuyển công tác"
    assert AuditEvent.objects.filter(action="post.end", target_id=str(secretary_post.pk)).exists()


def test_ending_a_post_before_it_starts_is_refused(secretary_post, staff_p1, login):
    events = AuditEvent.objects.count()
    r = login(staff_p1).post(f"/cadres/posts/{secretary_post.pk}/end/", {"on": "2020-05-01", "reason": "x"})
    assert r.status_code == 400 and "A post ends after it starts." in _body(r)
    secretary_post.refresh_from_db()
    assert secretary_post.valid_to is None and AuditEvent.objects.count() == events


def test_ending_a_post_needs_the_permission(secretary_post, viewer, district_y, login):
    url = f"/cadres/posts/{secretary_post.pk}/end/"
    assert url not in _body(login(viewer).get(f"/cadres/posts/{secretary_post.pk}/"))
    assert login(viewer).post(url, {"on": "2023-05-01", "reason": "x"}).status_code == 403
    assert login(district_y).post(url, {"on": "2023-05-01", "reason": "x"}).status_code == 404
    secretary_post.refresh_from_db()
    assert secretary_post.valid_to is None


# --- courses, enrolment, results -------------------------------------------------------------------------


def _course_data(organizer, **over):
    data = {
        "organizer": organizer.code,
        "topic": "Bồi dưỡng bí thư chi bộ",
        "kind": "skills",
        "starts_on": "2022-04-04",
        "ends_on": "2022-04-06",
        "place": "Hạ Long",
    }
    data.update(over)
    return data


def test_creating_a_course(tree, staff_p1, login):
    r = login(staff_p1).post("/cadres/courses/new/", _course_data(tree["P1"]))
    course = TrainingCourse.objects.get(topic="Bồi dưỡng bí thư chi bộ")
    assert r.status_code == 302 and r.headers["Location"] == f"/cadres/courses/{course.pk}/"
    assert course.organizer == tree["P1"] and course.ends_on == D(2022, 4, 6)
    assert AuditEvent.objects.filter(action="course.create", target_id=str(course.pk)).exists()


def test_a_course_ending_before_it_starts_is_refused(tree, staff_p1, login):
    events = AuditEvent.objects.count()
    r = login(staff_p1).post("/cadres/courses/new/", _course_data(tree["P1"], ends_on="2022-04-01"))
    assert r.status_code == 400 and "before it starts" in _body(r)
    assert not TrainingCourse.objects.filter(topic="Bồi dưỡng bí thư chi bộ").exists()
    assert AuditEvent.objects.count() == events


def test_creating_a_course_needs_the_permission_and_the_scope(tree, staff_p1, viewer, login):
    assert login(viewer).get("/cadres/courses/new/").status_code == 403
    assert login(viewer).post("/cadres/courses/new/", _course_data(tree["P1"])).status_code == 403
    # another province's organizer: refused in the form
    r = login(staff_p1).post("/cadres/courses/new/", _course_data(tree["P2"]))
    assert r.status_code == 400
    assert not TrainingCourse.objects.filter(topic="Bồi dưỡng bí thư chi bộ").exists()


@pytest.fixture
def course(tree):
    return services.course_create(
        actor=None, organizer=tree["P1"], topic="Lý luận sơ cấp", kind="theory",
        starts_on=D(2022, 4, 4), ends_on=D(2022, 4, 6),
    )


def test_enrolling_and_recording_a_result(tree, course, staff_p1, login):
    m = admit(tree["CA"], "Vũ Thị Học")
    c = login(staff_p1)
    body = _body(c.get(f"/cadres/courses/{course.pk}/"))
    assert f"/cadres/courses/{course.pk}/enrol/" in body
    assert "Vũ Thị Học" in _body(c.get(f"/cadres/courses/{course.pk}/enrol/"))
    r = c.post(f"/cadres/courses/{course.pk}/enrol/", {"member": m.pk})
    assert r.status_code == 302
    e = Enrolment.objects.get(course=course, member=m)
    assert not e.completed
    r = c.post(
        f"/cadres/courses/{course.pk}/result/",
        {"member": m.pk, "attended_days": 3, "completed": "on", "certificate_no": "CC-7"},
    )
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.completed and e.attended_days == 3 and e.certificate_no == "CC-7"
    assert AuditEvent.objects.filter(action="enrolment.record", target_id=str(e.pk)).exists()
    assert AuditEvent.objects.filter(action="enrolment.result", target_id=str(e.pk)).exists()


def test_bad_enrolments_and_results_are_refused(tree, course, staff_p1, login):
    m = admit(tree["CA"])
    services.enrolment_record(actor=None, course=course, member=m)
    c = login(staff_p1)
    events = AuditEvent.objects.count()
    again = c.post(f"/cadres/courses/{course.pk}/enrol/", {"member": m.pk})
    too_many = c.post(f"/cadres/courses/{course.pk}/result/", {"member": m.pk, "attended_days": 9})
    none_attended = c.post(
        f"/cadres/courses/{course.pk}/result/", {"member": m.pk, "attended_days": 0, "completed": "on"}
    )
    assert again.status_code == 400 and "already enrolled" in _body(again)
    assert too_many.status_code == 400 and "between 0 and 3" in _body(too_many)
    assert none_attended.status_code == 400 and "attended no day" in _body(none_attended)
    e = Enrolment.objects.get(course=course, member=m)
    assert (e.attended_days, e.completed) == (0, False)
    assert Enrolment.objects.filter(course=course).count() == 1
    assert AuditEvent.objects.count() == events


def test_enrolment_needs_the_permission_and_the_scope(tree, course, viewer, district_x, login):
    m = admit(tree["CA"])
    other = services.course_create(
        actor=None, organizer=tree["P2"], topic="Khác", kind="skills", starts_on=D(2022, 1, 1), ends_on=D(2022, 1, 2)
    )
    assert login(viewer).post(f"/cadres/courses/{course.pk}/enrol/", {"member": m.pk}).status_code == 403
    assert login(viewer).get(f"/cadres/courses/{course.pk}/result/").status_code == 403
    assert f"/cadres/courses/{course.pk}/enrol/" not in _body(login(viewer).get(f"/cadres/courses/{course.pk}/"))
    # a course of the province is outside a district's scope
    assert login(district_x).post(f"/cadres/courses/{course.pk}/enrol/", {"member": m.pk}).status_code == 404
    assert login(viewer).post(f"/cadres/courses/{other.pk}/enrol/", {"member": m.pk}).status_code == 404
    assert not Enrolment.objects.exists()


# --- my posts ---------------------------------------------------------------------------------------


def test_my_posts_shows_current_and_past_posts_dual_roles_and_training(tree, secretary_a, course, login):
    m = admit(tree["CA"], "Trịnh Văn Kiêm")
    m.user = secretary_a
    m.save(update_fields=["user"])
    services.post_assign(actor=None, org=tree["CA"], member=m, position=Position.SECRETARY, valid_from=ON)
    services.post_assign(
        actor=None, org=tree["GX1"], member=m, position=Position.COMMITTEE_MEMBER, valid_from=ON,
        exception="Ủy viên BCH Đảng ủy phường",
    )
    old = services.post_assign(
        actor=None, org=tree["CA"], member=m, position=Position.DEPUTY_SECRETARY, valid_from=D(2021, 1, 20),
    )
    services.post_end(actor=None, post=old, on=D(2021, 2, 20), reason="Bầu làm bí thư")
    services.enrolment_record(actor=None, course=course, member=m, attended_days=3, completed=True)
    home = login(secretary_a).get("/")
    r = login(secretary_a).get("/cadres/me/")
    assert "/cadres/me/" in _body(home)
    body = _body(r)
    assert r.status_code == 200
    current = body.split('id="current-posts"')[1].split('id="past-posts"')[0]
    past = body.split('id="past-posts"')[1].split('id="roles"')[0]
    assert "Secretary" in current and "Executive committee member" in current
    assert current.count("Dual role") == 2  # each of the two concurrent posts is marked
    assert "Deputy secretary" in past and "Bầu làm bí thư" in past
    assert "Lý luận sơ cấp" in body.split('id="training"')[1]


def test_my_posts_without_a_member_record(staff_p1, login):
    r = login(staff_p1).get("/cadres/me/")
    home = login(staff_p1).get("/")
    assert r.status_code == 200 and "not linked to a party member" in _body(r)
    assert "/cadres/me/" not in _body(home)
