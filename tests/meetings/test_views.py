"""The meeting pages as a secretary uses them, their refusals (400, nothing written) and their
scoping (another cell's meeting, minutes and books answer 404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chibo.meetings import ical, services
from chibo.meetings.models import Attendance, Meeting, MeetingKind, Minutes, Resolution, Task, Vote

from .conftest import admit, at, vn_name

D = dt.date
pytestmark = pytest.mark.django_db
DAY = D(2023, 3, 14)


@pytest.fixture
def meeting_a(tree):
    ms = [admit(tree["CA"], vn_name("Thị", i)) for i in range(4)]
    m = services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.REGULAR, scheduled_at=at(DAY))
    return m, ms


def test_secretary_records_a_meeting_through_the_pages(tree, secretary_a, login, meeting_a):
    m, ms = meeting_a
    c = login(secretary_a)
    r = c.get(f"/meetings/org/{tree['CA'].code}/?year=2023")
    assert r.status_code == 200 and f"/meetings/{m.pk}/" in r.content.decode()
    page = c.get(f"/meetings/{m.pk}/").content.decode()
    assert services.STANDARD_AGENDA[0] in page and 'type="radio"' in page
    assert c.post(f"/meetings/{m.pk}/notice/", {"at": "2023-03-12T08:00"}).status_code == 302
    data = {"held_at": "2023-03-14T08:00", "duration_minutes": "120", "chair": str(ms[0].pk),
            "clerk": str(ms[1].pk), "self_score": "92", f"att-{ms[3].pk}": "absent_excused",
            f"reason-{ms[3].pk}": "Ốm"}
    assert c.post(f"/meetings/{m.pk}/hold/", data).status_code == 302
    m.refresh_from_db()
    assert (m.status, m.base_count, m.present_count, m.chair_id) == ("held", 4, 3, ms[0].pk)
    assert Attendance.objects.get(meeting=m, member=ms[3]).reason == "Ốm"
    r = c.post(f"/meetings/{m.pk}/votes/", {"question": "Thông qua nghị quyết", "subject": "resolution",
                                            "official_present": "3", "votes_for": "3", "votes_against": "0",
                                            "abstentions": "0"})
    assert r.status_code == 302
    vote = Vote.objects.get(meeting=m)
    assert c.post(f"/meetings/{m.pk}/resolutions/", {"number": "03-NQ/CB", "title": "Nghị quyết tháng 3",
                                                     "vote": str(vote.pk)}).status_code == 302
    res = Resolution.objects.get(meeting=m)
    r = c.post(f"/meetings/{m.pk}/tasks/", {"resolution": str(res.pk), "title": "Thu đảng phí",
                                            "owner": str(ms[2].pk), "due_date": "2023-03-31"})
    assert r.status_code == 302 and Task.objects.filter(resolution=res).count() == 1
    assert c.post(f"/meetings/{m.pk}/minutes/", {"conclusion": "Nhất trí", "adopt": "1"}).status_code == 302
    assert Minutes.objects.get(meeting=m).locked
    printed = c.get(f"/meetings/{m.pk}/minutes/print/").content.decode()
    assert "BIÊN BẢN" in printed and "Nhất trí" in printed
    for lang, title in (("en", "MINUTES"), ("ko", "회의록"), ("fa", "صورت‌جلسه")):
        body = c.get(f"/meetings/{m.pk}/minutes/print/", {"lang": lang}).content.decode()
        assert title in body and f'lang="{lang}"' in body
    assert 'dir="rtl"' in c.get(f"/meetings/{m.pk}/minutes/print/", {"lang": "fa"}).content.decode()
    assert "03-NQ/CB" in c.get(f"/meetings/org/{tree['CA'].code}/resolutions/").content.decode()


def test_bad_input_is_refused_with_a_message_and_nothing_written(tree, secretary_a, login, meeting_a):
    m, ms = meeting_a
    c = login(secretary_a)
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat() + "T08:00"
    r = c.post(f"/meetings/{m.pk}/hold/", {"held_at": future, "duration_minutes": "120"})
    assert r.status_code == 400
    m.refresh_from_db()
    assert m.status == "scheduled" and not Attendance.objects.exists()
    r = c.post(f"/meetings/{m.pk}/hold/", {"held_at": "not a date", "duration_minutes": "x"})
    assert r.status_code == 400
    c.post(f"/meetings/{m.pk}/hold/", {"held_at": "2023-03-14T08:00", "duration_minutes": "100"})
    r = c.post(f"/meetings/{m.pk}/votes/", {"question": "Q", "subject": "resolution", "official_present": "4",
                                            "votes_for": "4", "votes_against": "1", "abstentions": "0"})
    assert r.status_code == 400 and not Vote.objects.exists()
    assert "official members are present" in r.content.decode() or "chỉ có" in r.content.decode().lower()


def test_another_cells_minutes_answer_404(tree, secretary_b, login, meeting_a):
    m, _ms = meeting_a
    c = login(secretary_b)
    for url in (f"/meetings/{m.pk}/", f"/meetings/{m.pk}/minutes/print/",
                f"/meetings/org/{tree['CA'].code}/", f"/meetings/org/{tree['CA'].code}/resolutions/"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/meetings/{m.pk}/notice/").status_code == 404
    m.refresh_from_db()
    assert m.notice_sent_at is None


def test_committee_above_sees_quality_with_drill_down(tree, district_x, login, meeting_a):
    m, ms = meeting_a
    services.meeting_record(actor=None, meeting=m, held_at=at(DAY), duration_minutes=120, chair=None, clerk=None,
                            self_score=90, entries=[services.AttendanceEntry(x.pk, "present") for x in ms])
    c = login(district_x)
    body = c.get(f"/meetings/org/{tree['GX1'].code}/quality/", {"start": "2023-01-01", "end": "2023-12-31"})
    assert body.status_code == 200
    text = body.content.decode()
    assert tree["CA"].code in text or "Chi bộ khu phố 1" in text
    drill = c.get(f"/meetings/org/{tree['GX1'].code}/quality/drill/",
                  {"what": "met", "start": "2023-01-01", "end": "2023-12-31"}).content.decode()
    assert f"/meetings/{m.pk}/" in drill


def test_calendar_feed_needs_its_token(tree, secretary_a, meeting_a, client):
    m, _ms = meeting_a
    url = ical.feed_url(user=secretary_a, org_code=tree["CA"].code)
    r = client.get(url)
    assert r.status_code == 200 and b"BEGIN:VCALENDAR" in r.content
    assert client.get(url[:-6] + "xx.ics").status_code == 404
    # a token for a cell the user cannot see shows nothing
    other = ical.feed_url(user=secretary_a, org_code=tree["CB"].code)
    assert client.get(other).status_code == 404
    # a new password revokes it
    secretary_a.set_password("another long passphrase")
    secretary_a.save()
    assert client.get(url).status_code == 404
    assert Meeting.objects.count() == 1


def test_member_feed_shows_the_meetings_of_the_members_cells(tree, secretary_b, meeting_a, client, login):
    from chibo.members.models import Member

    m, ms = meeting_a
    Member.objects.filter(pk=ms[0].pk).update(user=secretary_b)  # a member of cell A, secretary elsewhere
    page = login(secretary_b).get("/meetings/").content.decode()
    url = ical.feed_url(user=secretary_b, org_code=None)
    assert url in page
    soon = services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.REGULAR,
                                     scheduled_at=at(timezone.localdate() + dt.timedelta(days=5)))
    body = client.get(url).content.decode()
    assert f"meeting-{soon.pk}@" in body
    assert f"meeting-{m.pk}@" not in body  # more than a year ago


def _held_meeting_with_records(cell, members, day):
    m = services.meeting_schedule(actor=None, org=cell, kind=MeetingKind.REGULAR, scheduled_at=at(day))
    services.meeting_record(actor=None, meeting=m, held_at=at(day), duration_minutes=120, chair=members[0],
                            clerk=members[1], self_score=90,
                            entries=[services.AttendanceEntry(x.pk, "present") for x in members])
    for k in range(2):
        v = services.vote_record(actor=None, meeting=m, question=f"NQ {k}", official_present=len(members),
                                 votes_for=len(members), votes_against=0, abstentions=0)
        r = services.resolution_record(actor=None, meeting=m, number=f"{m.pk}-{k}-NQ", title="NQ", vote=v)
        for j in range(3):
            services.task_create(actor=None, resolution=r, title=f"Việc {j}", owner=members[j], due_date=day)
    services.minutes_save(actor=None, meeting=m, conclusion="Nhất trí")
    services.minutes_adopt(actor=None, meeting=m)
    services.minutes_amend(actor=None, meeting=m, on=timezone.localdate(), text="Bổ sung", reason="Sót")
    return m


PAGE_QUERIES = 30  # the meeting page's ceiling, whatever the size of the register (27 today)


def test_the_meeting_page_takes_a_fixed_number_of_queries(tree, secretary_a, secretary_b, login):
    """The page of a meeting with 30 members, 2 votes, 2 resolutions and 6 tasks takes as many
    queries as one with 4: none per member, vote, resolution or task (ceiling PAGE_QUERIES)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = _held_meeting_with_records(tree["CB"], [admit(tree["CB"], vn_name("Nhỏ", i)) for i in range(4)], DAY)
    large = _held_meeting_with_records(tree["CA"], [admit(tree["CA"], vn_name("Lớn", i)) for i in range(30)], DAY)
    counts = []
    for user, m in ((secretary_b, small), (secretary_a, large)):
        c = login(user)
        assert c.get(f"/meetings/{m.pk}/").status_code == 200  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            page = c.get(f"/meetings/{m.pk}/")
        assert page.status_code == 200 and "Bổ sung" in page.content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= PAGE_QUERIES
