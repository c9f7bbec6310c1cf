"""Demo meetings: five years (at least from 2022) of monthly and thematic meetings for the cells
of Cẩm Vịnh commune (Hà Tĩnh, seed 003: its Tâm Đồng village cell, the model, held a thematic
meeting every month from May to October 2022) and a sample of cells elsewhere, with their attendance, votes, minutes,
resolutions and tasks; some meetings missed, some unexcused absences, some overdue tasks.

`build(stdout=...)` is idempotent (a second run writes nothing) and writes through the bulk path
(`core.bulk.insert_rows`): the rows are made in Python from the member register, with the same
quality computation as the services (`meetings.services.judge`), then inserted in one
transaction with one audit event.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any, TextIO

from django.db import connection, transaction
from django.utils import timezone

from chibo.core.audit import audit_log
from chibo.core.bulk import allocate_ids, insert_rows
from chibo.meetings import summary
from chibo.meetings.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    Resolution,
    Task,
    Vote,
)
from chibo.meetings.services import STANDARD_AGENDA, THEMATIC_AGENDA, judge
from chibo.members.choices import Status
from chibo.members.models import Affiliation, StatusPeriod
from chibo.orgs.models import OrgVersion
from chibo.rules.selectors import MissingRule, rule

SEED = 20221
YEARS = 5
SAMPLE_CELLS = 30
THEMES = [
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "Xây dựng nông thôn mới kiểu mẫu",
    "Chuyển đổi số ở thôn",
    "Nâng cao chất lượng sinh hoạt chi bộ",
    "Phòng, chống suy thoái về tư tưởng chính trị",
    "Xây dựng chi bộ 4 tốt",
]
TASKS = ["Thu nộp đảng phí đầy đủ", "Vận động nhân dân vệ sinh môi trường", "Rà soát hộ nghèo",
         "Chuẩn bị nội dung sinh hoạt chuyên đề", "Theo dõi quần chúng ưu tú", "Tổ chức ngày hội đại đoàn kết"]
ABSENCE_REASONS = ["Ốm", "Đi công tác", "Việc gia đình"]


MODEL_START, MODEL_REVIEW = dt.date(2022, 5, 1), dt.date(2022, 10, 31)


def _model_cell(cells: list[int]) -> int | None:
    """The Tâm Đồng village cell of Cẩm Vịnh (by name), if it is among the cells."""
    return (
        OrgVersion.objects.filter(org_id__in=cells, name__contains="Tâm Đồng")
        .values_list("org_id", flat=True).first()
    )


def _cells(stdout: TextIO) -> tuple[list[int], list[int]]:
    """The cells of Cẩm Vịnh (by name in the demo tree) and a sample of other cells with members."""
    # the commune's committee (not a cell named after it), under each path it had
    paths = sorted(set(
        OrgVersion.objects.filter(name__contains="Cẩm Vịnh", kind__is_grassroots=True, kind__is_cell=False)
        .values_list("path", flat=True)))
    cam_vinh: list[int] = []
    if paths:
        from chibo.core.paths import any_subtree_q

        cam_vinh = sorted(set(
            OrgVersion.objects.filter(any_subtree_q(paths), kind__is_cell=True).exclude(kind__key="party_group")
            .values_list("org_id", flat=True)))
    else:
        stdout.write("meetings: no Cẩm Vịnh commune in the tree; only the sample elsewhere\n")
    with_members = Affiliation.objects.exclude(org_id__in=cam_vinh).values("org_id")
    others = list(
        OrgVersion.objects.filter(kind__is_cell=True, org_id__in=with_members).exclude(kind__key="party_group")
        .exclude(org_id__in=cam_vinh).order_by("org_id").values_list("org_id", flat=True).distinct()
    )
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    sample = sorted(rng.sample(others, min(SAMPLE_CELLS, len(others)))) if others else []
    return cam_vinh, sample


class _Register:
    """Affiliations and statuses of the members of some cells, in memory."""

    def __init__(self, cell_ids: list[int]) -> None:
        self.aff: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
        for org_id, member_id, a, b in Affiliation.objects.filter(org_id__in=cell_ids).values_list(
                "org_id", "member_id", "valid_from", "valid_to"):
            self.aff[org_id].append((member_id, a, b))
        members = {m for rows in self.aff.values() for m, _a, _b in rows}
        self.status: dict[int, list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
        ids = sorted(members)
        for i in range(0, len(ids), 900):
            for member_id, s, a, b in StatusPeriod.objects.filter(member_id__in=ids[i:i + 900]).values_list(
                    "member_id", "status", "valid_from", "valid_to"):
                self.status[member_id].append((s, a, b))

    def base(self, org_id: int, on: dt.date) -> dict[int, str]:
        out = {}
        for m, a, b in self.aff.get(org_id, []):
            if a <= on and (b is None or on < b):
                for s, sa, sb in self.status.get(m, []):
                    if sa <= on and (sb is None or on < sb) and s in (Status.PROBATIONARY, Status.OFFICIAL):
                        out[m] = s
        return out


def _exists(spans: list[tuple[dt.date, dt.date | None]], on: dt.date) -> bool:
    return any(a <= on and (b is None or on < b) for a, b in spans)


_RULES: dict[tuple[str, dt.date], Any] = {}


def _rule(key: str, on: dt.date, default: Any) -> Any:
    """The national rule in force on `on` (memoised for the build: one query per key and day)."""
    if (key, on) not in _RULES:
        try:
            _RULES[(key, on)] = rule(key, on=on)
        except MissingRule:
            _RULES[(key, on)] = default
    return _RULES[(key, on)]


def _dt(value: dt.datetime) -> Any:
    """A datetime as the bulk path writes it (SQLite stores naive UTC text)."""
    if connection.vendor == "sqlite":
        return connection.ops.adapt_datetimefield_value(value)
    return value


def build(*, stdout: TextIO, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo meetings once. Returns the counts written (zeros on a second run)."""
    today = today or timezone.localdate()
    cam_vinh, sample = _cells(stdout)
    cells = cam_vinh + sample
    counts = {"meetings": 0, "attendance": 0, "votes": 0, "resolutions": 0, "tasks": 0}
    if not cells:
        stdout.write("meetings: no cell to hold meetings\n")
        return counts
    if Meeting.objects.filter(org_id__in=cells).exists():
        stdout.write("meetings: the demo meetings exist already\n")
        return counts
    _RULES.clear()
    with transaction.atomic():
        counts = _write(cells, set(cam_vinh), today)
        audit_log(actor=None, action="meeting.demo_build", target_type="meetings.meeting",
                  target_label="demo meetings", after=counts)
    stdout.write(
        f"meetings: {counts['meetings']} meetings in {len(cells)} cells ({len(cam_vinh)} in Cẩm Vịnh), "
        f"{counts['attendance']} attendance rows, {counts['resolutions']} resolutions, {counts['tasks']} tasks\n")
    return counts


def _write(cells: list[int], cam_vinh: set[int], today: dt.date) -> dict[str, int]:
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    register = _Register(cells)
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for org_id, a, b in OrgVersion.objects.filter(org_id__in=cells).values_list("org_id", "valid_from", "valid_to"):
        spans[org_id].append((a, b))
    # five years back, and at least from 2022 (the "4 good" model of seed 003 started in May 2022)
    first = min(dt.date(today.year - YEARS, today.month, 1), dt.date(2022, 1, 1))
    model = _model_cell(cells)
    months = []
    y, m = first.year, first.month
    while (y, m) < (today.year, today.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    tz = timezone.get_current_timezone()

    meetings: list[dict[str, Any]] = []
    attendance: list[tuple[int, int, str, str]] = []  # meeting index, member, status, reason
    for org_id in cells:
        # cells of Cẩm Vịnh meet more regularly after the model started (seed 003: May 2022)
        for y, m in months:
            day = dt.date(y, m, rng.randint(8, 20))
            if not _exists(spans[org_id], day):
                continue
            reliable = org_id in cam_vinh and day >= dt.date(2022, 5, 1)
            plans: list[tuple[str, dt.date]] = []
            if rng.random() < (0.97 if reliable else 0.9):
                plans.append((MeetingKind.REGULAR, day))
            elif rng.random() < 0.3:
                plans.append(("cancelled", day))
            thematic = m % 3 == 2 and rng.random() < (0.95 if reliable else 0.75)
            # the model cell (Tâm Đồng) held a thematic meeting every month of the model's first
            # six months (seed 003)
            if org_id == model and MODEL_START <= day <= MODEL_REVIEW:
                thematic = True
            if thematic:
                plans.append((MeetingKind.THEMATIC, min(day + dt.timedelta(days=7), dt.date(y, m, 28))))
            for kind, on in plans:
                base = register.base(org_id, on)
                if not base:
                    continue
                start = dt.datetime.combine(on, dt.time(rng.choice([8, 14, 19]), 0), tzinfo=tz)
                cancelled = kind == "cancelled"
                meetings.append({
                    "org": org_id, "kind": MeetingKind.REGULAR if cancelled else kind, "at": start,
                    "status": MeetingStatus.CANCELLED if cancelled else MeetingStatus.HELD,
                    "duration": rng.choice([90, 100, 120, 120, 150]) if not cancelled else None,
                    "score": rng.randint(70, 98) if not cancelled and rng.random() < 0.95 else None,
                    "base": base, "title": rng.choice(THEMES) if kind == MeetingKind.THEMATIC else "",
                })
                if cancelled:
                    continue
                idx = len(meetings) - 1
                careless = rng.random() < 0.15  # some meetings have poor attendance
                for member_id in sorted(base):
                    r = rng.random()
                    status: str
                    if r < (0.78 if careless else 0.93):
                        status, reason = AttendanceStatus.PRESENT, ""
                    elif r < (0.95 if careless else 0.985):
                        status, reason = AttendanceStatus.EXCUSED, rng.choice(ABSENCE_REASONS)
                    else:
                        status, reason = AttendanceStatus.UNEXCUSED, ""
                    attendance.append((idx, member_id, status, reason))

    # the quality figures, as the services compute them
    by_meeting: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for idx, member_id, status, _reason in attendance:
        by_meeting[idx].append((member_id, status))
    runs: dict[tuple[int, int, int], int] = {}
    order = sorted(range(len(meetings)), key=lambda i: (meetings[i]["org"], meetings[i]["at"]))
    for i in order:
        mt = meetings[i]
        if mt["status"] != MeetingStatus.HELD:
            continue
        year = timezone.localdate(mt["at"]).year
        rows = by_meeting[i]
        longest = 0
        for member_id, status in rows:
            key = (mt["org"], year, member_id)
            runs[key] = runs.get(key, 0) + 1 if status in (AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED) else 0
            longest = max(longest, runs[key])
        counted = [s for _m, s in rows if s != AttendanceStatus.SPECIAL_DUTY]
        on = timezone.localdate(mt["at"])
        present = sum(1 for s in counted if s == AttendanceStatus.PRESENT)
        unexcused = sum(1 for s in counted if s == AttendanceStatus.UNEXCUSED)
        mt.update(present=present, unexcused=unexcused, longest=longest, base_n=len(counted))
        mt["met"] = judge(base=len(counted), present=present, unexcused=unexcused, longest_run=longest,
                          duration=mt["duration"], self_score=mt["score"],
                          min_percent=float(_rule("meeting.quality_attendance_min_percent", on, 85)),
                          max_run=int(_rule("meeting.max_consecutive_excused_absences", on, 3)),
                          min_duration=_rule("meeting.min_duration_minutes", on, None))

    ids = allocate_ids(Meeting, len(meetings))
    meeting_rows: list[tuple[Any, ...]] = []
    agenda_rows: list[tuple[Any, ...]] = []
    minutes_rows: list[tuple[Any, ...]] = []
    vote_rows: list[tuple[Any, ...]] = []
    resolution_plans: list[tuple[int, int, dt.date, int]] = []  # meeting index, org, day, vote index
    vote_ids = allocate_ids(Vote, sum(1 for mt in meetings if mt["status"] == MeetingStatus.HELD))
    v = 0
    for i, mt in enumerate(meetings):
        held = mt["status"] == MeetingStatus.HELD
        notice = mt["at"] - dt.timedelta(days=rng.choice([1, 2, 3, 5])) if rng.random() < 0.95 else None
        meeting_rows.append((
            ids[i], mt["org"], mt["kind"], mt["title"], "Nhà văn hóa thôn", _dt(mt["at"]), False, "",
            _dt(notice) if notice else None, mt["status"], _dt(mt["at"]) if held else None, mt["duration"],
            None, None, mt["score"], mt.get("base_n", 0), mt.get("present", 0), mt.get("unexcused", 0),
            mt.get("longest", 0), mt.get("met", False),
        ))
        items = THEMATIC_AGENDA if mt["kind"] == MeetingKind.THEMATIC else STANDARD_AGENDA
        agenda_rows.extend((ids[i], n, t, "") for n, t in enumerate(items, 1))
        if not held:
            continue
        adopted = mt["at"] + dt.timedelta(minutes=mt["duration"] or 90)
        minutes_rows.append((ids[i], "Đồng chí bí thư chi bộ khai mạc, điểm danh.", "", "", "",
                             "Chi bộ thống nhất các nhiệm vụ trọng tâm tháng tới.", _dt(adopted)))
        base = mt["base"]
        official_present = sum(1 for m_, s in by_meeting[i] if s == AttendanceStatus.PRESENT
                               and base.get(m_) == Status.OFFICIAL)
        official = sum(1 for s in base.values() if s == Status.OFFICIAL)
        against = 1 if official_present > 3 and rng.random() < 0.1 else 0
        votes_for = official_present - against
        threshold = _rule("meeting.resolution_vote_threshold", timezone.localdate(mt["at"]),
                          {"num": 1, "den": 2, "strict": True, "base": "present"})
        passed = votes_for * threshold["den"] > threshold["num"] * official_present
        vote_rows.append((vote_ids[v], ids[i], "Thông qua nghị quyết của cuộc họp", "resolution", official,
                          official_present, votes_for, against, 0, "meeting.resolution_vote_threshold", threshold,
                          passed))
        if passed and mt["kind"] == MeetingKind.REGULAR:
            resolution_plans.append((i, mt["org"], timezone.localdate(mt["at"]), v))
        v += 1

    meeting_fields = ["id", "org", "kind", "title", "place", "scheduled_at", "combined", "materials",
                      "notice_sent_at", "status", "held_at", "duration_minutes", "chair", "clerk", "self_score",
                      "base_count", "present_count", "unexcused_count", "longest_absence_run", "met_criteria"]
    insert_rows(Meeting, meeting_fields, meeting_rows)
    insert_rows(AgendaItem, ["meeting", "position", "title", "notes"], agenda_rows)
    insert_rows(Minutes, ["meeting", "opening", "report", "communications", "discussion", "conclusion",
                          "adopted_at"], minutes_rows)
    if connection.vendor == "sqlite":
        import json

        vote_rows = [(*r[:10], json.dumps(r[10]), r[11]) for r in vote_rows]
    else:
        from psycopg.types.json import Jsonb

        vote_rows = [(*r[:10], Jsonb(r[10]), r[11]) for r in vote_rows]
    insert_rows(Vote, ["id", "meeting", "question", "subject", "official_members", "official_present", "votes_for",
                       "votes_against", "abstentions", "rule_key", "threshold", "passed"], vote_rows)
    insert_rows(Attendance, ["meeting", "member", "status", "reason"],
                ((ids[idx], member_id, status, reason) for idx, member_id, status, reason in attendance))

    res_ids = allocate_ids(Resolution, len(resolution_plans))
    res_rows: list[tuple[Any, ...]] = []
    task_rows: list[tuple[Any, ...]] = []
    for k, (i, org_id, day, vote_index) in enumerate(resolution_plans):
        res_rows.append((res_ids[k], ids[i], org_id, vote_ids[vote_index], f"{day.month:02d}/{day.year}-NQ/CB",
                         day, f"Nghị quyết chi bộ tháng {day.month}/{day.year}", ""))
        owners = sorted(meetings[i]["base"])
        for title in rng.sample(TASKS, 2):
            due = day + dt.timedelta(days=rng.choice([14, 21, 30, 45]))
            r = rng.random()
            done: dt.date | None
            if due >= today:
                done = day + dt.timedelta(days=rng.randint(1, 10)) if r < 0.3 and day + dt.timedelta(days=10) < today \
                    else None
            elif r < 0.78:
                done = due - dt.timedelta(days=rng.randint(0, 7))
            elif r < 0.92:
                done = due + dt.timedelta(days=rng.randint(1, 20))
            else:
                done = None  # overdue
            if done is not None and done > today:
                done = None
            task_rows.append((res_ids[k], title, rng.choice(owners), due, done))
    insert_rows(Resolution, ["id", "meeting", "org", "vote", "number", "adopted_on", "title", "text"], res_rows)
    insert_rows(Task, ["resolution", "title", "owner", "due_date", "done_date"], task_rows)
    summary.rebuild(cells)  # the rows went in without the services: the report's monthly summary
    return {"meetings": len(meeting_rows), "attendance": len(attendance), "votes": len(vote_rows),
            "resolutions": len(res_rows), "tasks": len(task_rows)}


__all__ = ["build"]
