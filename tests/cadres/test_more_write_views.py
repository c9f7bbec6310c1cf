"""The rest of the cadre write pages (issue 17): concurrent roles and qualifications on the
cadre's page, watchers and seconded cadres on the unit's page, contests (create, enter a
secretary, score, award). Each form: success writes the row and its audit event, redirects and
shows on the page; a refused input shows the (translated) message and writes nothing; a user of
another cell or district gets 404, one who sees the object but may not act there 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from chibo.cadres import services
from chibo.cadres.models import (
    ConcurrentRole,
    Contest,
    ContestEntry,
    ContestScore,
    Position,
    Qualification,
    Secondment,
    WatchAssignment,
)
from chibo.core.models import AuditEvent
from tests.factories import make_persona

from .conftest import ON, admit

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def login():
    """A client signed in as the user, asking for English (the messages are matched)."""

    def make(user, language="en"):
        c = Client(headers={"accept-language": language})
        c.force_login(user)
        return c

    return make


@pytest.fixture
def viewer(tree):
    """Sees the whole province (member.view) but may change nothing."""
    return make_persona("viewer_p1", role="committee_viewer", org=tree["P1"])


def _body(r) -> str:
    return r.content.decode()


def _audited(action: str, pk: int) -> bool:
    return AuditEvent.objects.filter(action=action, target_id=str(pk)).exists()


# --- concurrent roles -----------------------------------------------------------------------------------


def _role_data(tree, **over):
    data = {"org": tree["CA"].code, "kind": "village_head", "unit_name": "Thôn Đồng Tâm",
            "valid_from": ON.isoformat(), "valid_to": ""}
    data.update(over)
    return data


def test_adding_a_concurrent_role(tree, staff_p1, login):
    m = admit(tree["CA"])
    c = login(staff_p1)
    url = f"/cadres/members/{m.pk}/roles/new/"
    assert url in _body(c.get(f"/cadres/members/{m.pk}/"))  # the button
    assert c.get(url).status_code == 200
    r = c.post(url, _role_data(tree, valid_to="2024-01-01"))
    role = ConcurrentRole.objects.get(member=m)
    assert r.status_code == 302 and r.headers["Location"] == f"/cadres/members/{m.pk}/#roles"
    assert (role.org, role.kind, role.unit_name) == (tree["CA"], "village_head", "Thôn Đồng Tâm")
    assert (role.valid_from, role.valid_to) == (ON, D(2024, 1, 1))
    assert _audited("concurrent_role.add", role.pk)
    roles = _body(c.get(f"/cadres/members/{m.pk}/")).split('id="roles"')[1]
    assert "Village head" in roles and "Thôn Đồng Tâm" in roles


def test_a_role_ending_before_it_starts_or_elsewhere_is_refused(tree, staff_p1, login):
    m = admit(tree["CA"])
    c = login(staff_p1)
    events = AuditEvent.objects.count()
    url = f"/cadres/members/{m.pk}/roles/new/"
    backwards = c.post(url, _role_data(tree, valid_to="2020-01-01"))
    outside = c.post(url, _role_data(tree, org=tree["GZ1"].code))
    assert backwards.status_code == 400 and "The end date must be after the start date." in _body(backwards)
    assert outside.status_code == 400 and "No organization with this code where you may act." in _body(outside)
    assert not ConcurrentRole.objects.filter(member=m).exists()
    assert AuditEvent.objects.count() == events


def test_the_refusal_is_translated(tree, staff_p1, login):
    m = admit(tree["CA"])
    r = login(staff_p1, "vi").post(f"/cadres/members/{m.pk}/roles/new/", _role_data(tree, valid_to="2020-01-01"))
    assert r.status_code == 400 and "The end date must be after the start date." not in _body(r)
    assert not ConcurrentRole.objects.filter(member=m).exists()


def test_roles_of_another_cell_or_district_are_404(tree, staff_p1, secretary_b, district_y, viewer, login):
    m = admit(tree["CA"])
    url = f"/cadres/members/{m.pk}/roles/new/"
    for user in (secretary_b, district_y):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, _role_data(tree)).status_code == 404
    assert login(viewer).post(url, _role_data(tree)).status_code == 403
    assert url not in _body(login(viewer).get(f"/cadres/members/{m.pk}/"))
    assert not ConcurrentRole.objects.exists()


# --- qualifications ------------------------------------------------------------------------------------


def _qualification_data(**over):
    data = {"kind": "theory", "level": "elementary_political_theory", "education": "",
            "obtained_on": "2019-05-01", "certificate_no": "LLSC-0417", "issuer": "Trường Chính trị tỉnh"}
    data.update(over)
    return data


def test_recording_a_qualification(tree, staff_p1, login):
    m = admit(tree["CA"])
    c = login(staff_p1)
    url = f"/cadres/members/{m.pk}/qualifications/new/"
    assert url in _body(c.get(f"/cadres/members/{m.pk}/"))
    r = c.post(url, _qualification_data())
    q = Qualification.objects.get(member=m)
    assert r.status_code == 302 and r.headers["Location"] == f"/cadres/members/{m.pk}/#training"
    assert (q.kind, q.level, q.obtained_on, q.certificate_no) == (
        "theory", "elementary_political_theory", D(2019, 5, 1), "LLSC-0417")
    assert _audited("qualification.record", q.pk)
    assert "LLSC-0417" in _body(c.get(f"/cadres/members/{m.pk}/")).split('id="training"')[1]
    # general education: free text
    c.post(url, _qualification_data(kind="education", level="", education="12/12", certificate_no=""))
    assert Qualification.objects.get(member=m, kind="education").level == "12/12"


def test_bad_qualifications_are_refused(tree, staff_p1, login):
    m = admit(tree["CA"])
    c = login(staff_p1)
    events = AuditEvent.objects.count()
    url = f"/cadres/members/{m.pk}/qualifications/new/"
    wrong_level = c.post(url, _qualification_data(level="university_degree"))
    before_birth = c.post(url, _qualification_data(obtained_on="1975-01-01"))
    no_level = c.post(url, _qualification_data(kind="education", level=""))
    assert wrong_level.status_code == 400 and "Unknown level for this kind" in _body(wrong_level)
    assert before_birth.status_code == 400 and "obtained after birth" in _body(before_birth)
    assert no_level.status_code == 400 and "Give the level of general education." in _body(no_level)
    assert not Qualification.objects.filter(member=m).exists()
    assert AuditEvent.objects.count() == events


def test_qualifications_of_another_cell_or_district_are_404(tree, secretary_b, district_y, login):
    m = admit(tree["CA"])
    url = f"/cadres/members/{m.pk}/qualifications/new/"
    for user in (secretary_b, district_y):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, _qualification_data()).status_code == 404
    assert not Qualification.objects.exists()


# --- watchers ------------------------------------------------------------------------------------------


@pytest.fixture
def committee_member(tree):
    """A member of the ward committee (ORG-GX1), which may watch its cells."""
    m = admit(tree["CA"], "Hoàng Văn Canh")
    services.post_assign(actor=None, org=tree["GX1"], member=m, position=Position.COMMITTEE_MEMBER, valid_from=ON)
    return m


def _watch_data(tree, member, **over):
    data = {"committee": tree["GX1"].pk, "watcher": member.pk, "valid_from": ON.isoformat(),
            "valid_to": "", "decision_no": "QĐ-12/ĐU"}
    data.update(over)
    return data


def test_assigning_and_ending_a_watch(tree, committee_member, staff_p1, login):
    c = login(staff_p1)
    unit_url = f"/cadres/units/{tree['CA'].code}/"
    url = f"/cadres/units/{tree['CA'].code}/watchers/new/"
    assert url in _body(c.get(unit_url))
    assert "Hoàng Văn Canh" in _body(c.get(url))  # offered as a watcher
    r = c.post(url, _watch_data(tree, committee_member))
    w = WatchAssignment.objects.get(unit=tree["CA"])
    assert r.status_code == 302 and r.headers["Location"] == unit_url
    assert (w.watcher, w.committee, w.valid_from, w.valid_to) == (committee_member, tree["GX1"], ON, None)
    assert _audited("watch.assign", w.pk)
    page = _body(c.get(unit_url))
    assert "Hoàng Văn Canh" in page and f"/cadres/watches/{w.pk}/end/" in page
    r = c.post(f"/cadres/watches/{w.pk}/end/", {"on": "2022-06-30"})
    assert r.status_code == 302 and r.headers["Location"] == unit_url
    w.refresh_from_db()
    assert w.valid_to == D(2022, 6, 30) and _audited("watch.end", w.pk)
    assert "Hoàng Văn Canh" not in _body(c.get(unit_url))  # not watching today any more


def test_bad_watches_are_refused(tree, committee_member, staff_p1, login):
    c = login(staff_p1)
    url = f"/cadres/units/{tree['CA'].code}/watchers/new/"
    events = AuditEvent.objects.count()
    backwards = c.post(url, _watch_data(tree, committee_member, valid_to="2021-01-01"))
    not_yet_on_committee = c.post(url, _watch_data(tree, committee_member, valid_from="2020-06-01"))
    assert backwards.status_code == 400 and "The end date must be after the start date." in _body(backwards)
    assert not_yet_on_committee.status_code == 400
    assert "holds no post on the committee" in _body(not_yet_on_committee)
    assert not WatchAssignment.objects.exists() and AuditEvent.objects.count() == events
    # a watch cannot end before it starts
    w = services.watch_assign(actor=None, watcher=committee_member, committee=tree["GX1"], unit=tree["CA"],
                              valid_from=ON)
    events = AuditEvent.objects.count()
    r = c.post(f"/cadres/watches/{w.pk}/end/", {"on": "2021-01-01"})
    assert r.status_code == 400 and "The assignment is not running on that date." in _body(r)
    w.refresh_from_db()
    assert w.valid_to is None and AuditEvent.objects.count() == events


def test_watches_need_the_permission_and_the_scope(tree, committee_member, secretary_a, secretary_b,
                                                   district_y, login):
    url = f"/cadres/units/{tree['CA'].code}/watchers/new/"
    data = _watch_data(tree, committee_member)
    for user in (secretary_b, district_y):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, data).status_code == 404
    # the cell's own secretary may act in the cell but not for the ward's committee
    assert login(secretary_a).post(url, data).status_code == 403
    assert url not in _body(login(secretary_a).get(f"/cadres/units/{tree['CA'].code}/"))
    assert not WatchAssignment.objects.exists()
    w = services.watch_assign(actor=None, watcher=committee_member, committee=tree["GX1"], unit=tree["CA"],
                              valid_from=ON)
    end = f"/cadres/watches/{w.pk}/end/"
    assert login(district_y).post(end, {"on": "2022-06-30"}).status_code == 404
    assert login(secretary_b).post(end, {"on": "2022-06-30"}).status_code == 404
    assert login(secretary_a).post(end, {"on": "2022-06-30"}).status_code == 403
    w.refresh_from_db()
    assert w.valid_to is None


# --- seconded cadres -----------------------------------------------------------------------------------


def _secondment_data(tree, member, **over):
    data = {"member": member.pk, "from_org": tree["GX2"].code, "post_held": "Phó Bí thư Đảng ủy phường",
            "valid_from": "2021-03-01", "valid_to": "2023-03-01", "decision_no": "QĐ-88/TU",
            "decision_date": "2021-02-20"}
    data.update(over)
    return data


def test_recording_a_seconded_cadre_and_the_return(tree, staff_p1, login):
    m = admit(tree["GX2"], "Đinh Văn Biệt")
    c = login(staff_p1)
    unit_url = f"/cadres/units/{tree['GX1'].code}/"
    url = f"/cadres/units/{tree['GX1'].code}/secondments/new/"
    assert url in _body(c.get(unit_url))
    assert "Đinh Văn Biệt" in _body(c.get(url))
    r = c.post(url, _secondment_data(tree, m))
    s = Secondment.objects.get(member=m)
    assert r.status_code == 302 and r.headers["Location"] == unit_url
    assert (s.from_org, s.to_org, s.valid_from, s.valid_to) == (tree["GX2"], tree["GX1"], ON, D(2023, 3, 1))
    assert (s.decision_no, s.post_held) == ("QĐ-88/TU", "Phó Bí thư Đảng ủy phường")
    assert _audited("secondment.record", s.pk)
    seconded_in = _body(c.get(unit_url, {"as_of": "2022-01-01"})).split("Seconded cadres working here")[1]
    assert "Đinh Văn Biệt" in seconded_in.split("Own cadres seconded elsewhere")[0]
    # after the return, no longer among those working here
    assert "Đinh Văn Biệt" not in _body(c.get(unit_url, {"as_of": "2023-06-01"}))


def test_bad_secondments_are_refused(tree, staff_p1, login):
    m = admit(tree["GX2"])
    c = login(staff_p1)
    events = AuditEvent.objects.count()
    url = f"/cadres/units/{tree['GX1'].code}/secondments/new/"
    no_decision = c.post(url, _secondment_data(tree, m, decision_no=""))
    backwards = c.post(url, _secondment_data(tree, m, valid_to="2021-01-01"))
    from_outside = c.post(url, _secondment_data(tree, m, from_org=tree["GZ1"].code))
    assert no_decision.status_code == 400 and "needs its decision" in _body(no_decision)
    assert backwards.status_code == 400 and "The end date must be after the start date." in _body(backwards)
    assert from_outside.status_code == 400
    assert "No organization with this code where you may act." in _body(from_outside)
    assert not Secondment.objects.exists() and AuditEvent.objects.count() == events


def test_a_secondment_to_an_out_of_scope_commune_is_404(tree, staff_p1, district_x, secretary_b, viewer, login):
    m = admit(tree["GX2"])
    outside = f"/cadres/units/{tree['GY1'].code}/secondments/new/"
    assert login(district_x).get(outside).status_code == 404
    assert login(district_x).post(outside, _secondment_data(tree, m)).status_code == 404
    assert login(staff_p1).post(
        f"/cadres/units/{tree['GZ1'].code}/secondments/new/", _secondment_data(tree, m)).status_code == 404
    own = f"/cadres/units/{tree['GX1'].code}/secondments/new/"
    assert login(secretary_b).post(own, _secondment_data(tree, m)).status_code == 404
    assert login(viewer).post(own, _secondment_data(tree, m)).status_code == 403
    assert login(district_x).get(own).status_code == 200  # the district's own commune
    assert not Secondment.objects.exists()


# --- contests ------------------------------------------------------------------------------------------


def _contest_data(tree, **over):
    data = {"organizer": tree["GX1"].code, "title": "Bí thư chi bộ giỏi", "year": 2023,
            "rounds": "2023-05-01 Sơ khảo\n2023-06-01 Chung khảo\n"}
    data.update(over)
    return data


def test_creating_a_contest(tree, staff_p1, login):
    c = login(staff_p1)
    assert "/cadres/contests/new/" in _body(c.get("/cadres/contests/"))
    r = c.post("/cadres/contests/new/", _contest_data(tree))
    contest = Contest.objects.get(title="Bí thư chi bộ giỏi")
    assert r.status_code == 302 and r.headers["Location"] == f"/cadres/contests/{contest.pk}/"
    assert contest.organizer == tree["GX1"] and contest.year == 2023
    assert [(r.number, r.name, r.held_on) for r in contest.rounds.order_by("number")] == [
        (1, "Sơ khảo", D(2023, 5, 1)), (2, "Chung khảo", D(2023, 6, 1))]
    assert _audited("contest.create", contest.pk)
    assert "Bí thư chi bộ giỏi" in _body(c.get("/cadres/contests/"))


def test_bad_contests_are_refused(tree, staff_p1, viewer, login):
    c = login(staff_p1)
    events = AuditEvent.objects.count()
    unordered = c.post("/cadres/contests/new/", _contest_data(tree, rounds="2023-06-01 B\n2023-05-01 A"))
    no_date = c.post("/cadres/contests/new/", _contest_data(tree, rounds="Sơ khảo"))
    outside = c.post("/cadres/contests/new/", _contest_data(tree, organizer=tree["GZ1"].code))
    assert unordered.status_code == 400 and "The rounds must be in date order." in _body(unordered)
    assert no_date.status_code == 400 and "Round 1: give its date" in _body(no_date)
    assert outside.status_code == 400 and "No organization with this code where you may act." in _body(outside)
    in_vietnamese = login(staff_p1, "vi").post("/cadres/contests/new/", _contest_data(tree, rounds="Sơ khảo"))
    assert in_vietnamese.status_code == 400 and "Vòng 1: hãy ghi ngày" in _body(in_vietnamese)
    assert login(viewer).post("/cadres/contests/new/", _contest_data(tree)).status_code == 403
    assert "/cadres/contests/new/" not in _body(login(viewer).get("/cadres/contests/"))
    assert not Contest.objects.exists() and AuditEvent.objects.count() == events


@pytest.fixture
def contest(tree):
    return services.contest_create(actor=None, organizer=tree["GX1"], title="Bí thư chi bộ giỏi", year=2023,
                                   rounds=[("Sơ khảo", D(2023, 5, 1)), ("Chung khảo", D(2023, 6, 1))])


@pytest.fixture
def secretary_post(tree):
    return services.post_assign(actor=None, org=tree["CA"], member=admit(tree["CA"], "Tạ Thị Thi"),
                                position=Position.SECRETARY, valid_from=ON)


def test_entering_scoring_and_awarding(tree, contest, secretary_post, staff_p1, login):
    c = login(staff_p1)
    page = f"/cadres/contests/{contest.pk}/"
    body = _body(c.get(page))
    for action in ("enter", "score", "award"):
        assert f"/cadres/contests/{contest.pk}/{action}/" in body
    assert "Tạ Thị Thi" in _body(c.get(f"{page}enter/"))
    r = c.post(f"{page}enter/", {"entrant": secretary_post.pk})
    entry = ContestEntry.objects.get(contest=contest)
    assert r.status_code == 302 and r.headers["Location"] == page
    assert (entry.member_id, entry.cell) == (secretary_post.member_id, tree["CA"])
    assert _audited("contest.enter", entry.pk)
    assert "Tạ Thị Thi" in _body(c.get(page))
    first = contest.rounds.get(number=1)
    r = c.post(f"{page}score/", {"entry": entry.pk, "round": first.pk, "score": "87.5"})
    score = ContestScore.objects.get(entry=entry, round=first)
    assert r.status_code == 302 and float(score.score) == 87.5 and _audited("contest.score", score.pk)
    assert "87.5" in _body(c.get(page))
    r = c.post(f"{page}award/", {"entry": entry.pk, "award": "Giải Nhất"})
    entry.refresh_from_db()
    assert r.status_code == 302 and entry.award == "Giải Nhất" and _audited("contest.award", entry.pk)
    assert "Giải Nhất" in _body(c.get(page))


def test_bad_entries_and_scores_are_refused(tree, contest, secretary_post, staff_p1, login):
    entry = services.contest_enter(actor=None, contest=contest, member=secretary_post.member, cell=tree["CA"])
    c = login(staff_p1)
    page = f"/cadres/contests/{contest.pk}/"
    events = AuditEvent.objects.count()
    again = c.post(f"{page}enter/", {"entrant": secretary_post.pk})
    first = contest.rounds.get(number=1)
    too_high = c.post(f"{page}score/", {"entry": entry.pk, "round": first.pk, "score": "150"})
    negative = c.post(f"{page}score/", {"entry": entry.pk, "round": first.pk, "score": "-1"})
    other = services.contest_create(actor=None, organizer=tree["GX1"], title="Khác", year=2023,
                                    rounds=[("Một", D(2023, 1, 1))])
    foreign_round = c.post(f"{page}score/", {"entry": entry.pk, "round": other.rounds.get().pk, "score": "50"})
    assert again.status_code == 400 and "is already an entrant" in _body(again)
    assert too_high.status_code == 400 and "A score is between 0 and 100." in _body(too_high)
    assert negative.status_code == 400 and "A score is between 0 and 100." in _body(negative)
    assert foreign_round.status_code == 400  # not one of this contest's rounds
    assert ContestEntry.objects.filter(contest=contest).count() == 1
    assert not ContestScore.objects.exists()
    assert AuditEvent.objects.count() == events + 1  # only the second contest's creation


def test_contests_of_another_cell_or_district_are_404(tree, contest, secretary_post, secretary_a, secretary_b,
                                                       district_y, login):
    entry = services.contest_enter(actor=None, contest=contest, member=secretary_post.member, cell=tree["CA"])
    page = f"/cadres/contests/{contest.pk}/"
    posts = {"enter/": {"entrant": secretary_post.pk}, "score/": {"entry": entry.pk, "round": 1, "score": 5},
             "award/": {"entry": entry.pk, "award": "x"}}
    for user in (secretary_b, district_y):
        for action, data in posts.items():
            assert login(user).get(page + action).status_code == 404
            assert login(user).post(page + action, data).status_code == 404
    # the ward's contest is out of a cell secretary's scope too
    assert login(secretary_a).get(page + "award/").status_code == 404
    entry.refresh_from_db()
    assert entry.award == "" and not ContestScore.objects.exists()
