"""Demo admission records: the procedure behind every admission of the demo since 2020, and people
in the procedure today (some of them late).

1. For every admission (or readmission) event of the member register from 2020-01-01, the
   applicant and the chain of acts that led to it, dated backwards from the ceremony and the
   decision the register holds (listing, course, application, biography and its verification,
   introduction, comments, the cell's vote, the grassroots resolution, the decision, the ceremony)
   and forwards through the probation as the register says (recognised, or removed, or still
   probationary and due for recognition). So seed 002's 283 students and 1,061 private-sector
   admissions in Quảng Ninh, and its yearly 3.2% exceeded, come out of these records.
2. People on cells' lists today, at every step before the ceremony, with deadlines from the
   working-day calendar: some of them are late.
3. Quảng Ninh's yearly targets (3.2% of the members at the start of each year, 2020–2025).

`build(stdout=...)` is idempotent (a second run writes nothing) and writes through the bulk path
(`core.bulk.insert_rows`) in one transaction, with one audit event.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from typing import Any

from django.db import transaction

from chibo.admission.models import AdmissionAct, AdmissionTarget, Applicant, Step, TargetKind
from chibo.core.audit import audit_log
from chibo.core.bulk import allocate_ids, insert_rows
from chibo.core.text import fold
from chibo.core.validtime import today
from chibo.members.choices import EventType, Occupation
from chibo.members.models import Member, MemberEvent
from chibo.members.validation import add_months
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.calendar import is_working_day

SEED = 20141
FROM = dt.date(2020, 1, 1)
QUANG_NINH = "22"
QN_TARGET_PERCENT = 3.2
QN_TARGET_SOURCE = "Nghị quyết Đại hội đại biểu Đảng bộ tỉnh Quảng Ninh lần thứ XV"
IN_PROGRESS_PER_PROVINCE = 120
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "Quang"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Lan", "Linh", "Nam", "Oanh", "Phúc", "Quân", "Sơn",
         "Trang", "Tuấn", "Vy", "Yến"]
MARKER = "admission.demo_build"
ACT_FIELDS = ["id", "applicant", "cell", "step", "state", "on", "until", "due_on", "document_no", "issuer",
              "votes_for", "votes_against", "official_members", "passed", "details", "note", "recorded_at"]
APPLICANT_FIELDS = ["id", "full_name", "search_key", "gender", "birth_date", "ethnicity", "religion",
                    "general_education", "occupation", "youth_union", "cell", "proposed_by", "member",
                    "readmission_of", "listed_on", "state", "state_on", "due_on", "failed_votes", "decision_extended",
                    "created_at"]


class WorkingDays:
    """The working-day calendar over a range, in memory (the same days as `rules.calendar`)."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        from chibo.rules.models import CalendarDay

        exceptions = dict(CalendarDay.objects.filter(date__gte=start, date__lte=end)
                          .values_list("date", "is_working_day"))
        self.days: list[dt.date] = []
        day = start
        while day <= end:
            if is_working_day(day, exceptions):
                self.days.append(day)
            day += dt.timedelta(days=1)

    def add(self, start: dt.date, n: int) -> dt.date:
        i = bisect.bisect_right(self.days, start)
        return self.days[i + n - 1]


def _name(rng: random.Random) -> tuple[str, str]:
    middle = rng.choice(MIDDLE)
    gender = "female" if middle in ("Thị", "Thu", "Ngọc") else "male"
    return f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}", gender


def build(stdout: Any = None, seed: int = SEED) -> dict[str, int]:
    from chibo.core.models import AuditEvent

    if AuditEvent.objects.filter(action=MARKER).exists():
        if stdout:
            stdout.write("… admission: demo records already present\n")
        return {"applicants": 0, "acts": 0}
    with transaction.atomic():
        result = _build(seed)
        _targets()
        audit_log(actor=None, action=MARKER, target_type="admission.applicant", target_label="demo",
                  after=result)
    if stdout:
        stdout.write(f"… admission: {result['applicants']:,} applicants, {result['acts']:,} acts\n")
    return result


def _targets() -> None:
    qn = Organization.objects.filter(code=QUANG_NINH).first()
    if qn is None:
        return
    for year in range(2020, 2026):
        AdmissionTarget.objects.get_or_create(org=qn, year=year, defaults={
            "kind": TargetKind.PERCENT, "value": QN_TARGET_PERCENT, "source": QN_TARGET_SOURCE})


def _build(seed: int) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    now = today()
    cal = WorkingDays(dt.date(2019, 1, 1), now + dt.timedelta(days=800))
    stamp = dt.datetime.now(dt.UTC)
    applicants: list[list[Any]] = []
    acts: list[list[Any]] = []

    def chain(applicant_id: int, cell: int, steps: list[tuple[str, dt.date, dt.date | None, dict[str, Any]]],
              final_state: str | None = None) -> None:
        for i, (step, on, due, extra) in enumerate(steps):
            until = steps[i + 1][1] if i + 1 < len(steps) else None
            state = final_state if (until is None and final_state) else step
            acts.append([None, applicant_id, cell, step, state, on, until, due, extra.get("document_no", ""),
                         extra.get("issuer", ""), extra.get("votes_for"), extra.get("votes_against"),
                         extra.get("official_members"), extra.get("passed"), json.dumps(extra.get("details", {})),
                         "", stamp])

    # 1. the procedure behind the register's admissions since 2020
    events = list(
        MemberEvent.objects.filter(type__in=[EventType.ADMITTED, EventType.READMITTED], on__gte=FROM,
                                   org__isnull=False)
        .order_by("on", "id").values_list("id", "member_id", "type", "on", "decision_no", "decision_date", "issuer",
                                          "org_id", "occupation"))
    people = {m["id"]: m for m in Member.objects.filter(pk__in={e[1] for e in events}).values(
        "id", "full_name", "search_key", "gender", "birth_date", "ethnicity", "religion", "general_education")}
    later: dict[int, list[tuple[str, dt.date]]] = {}
    for member_id, type_, on in MemberEvent.objects.filter(member_id__in=people, on__gte=FROM).exclude(
            type__in=[EventType.ADMITTED, EventType.READMITTED]).order_by("on", "id").values_list(
            "member_id", "type", "on"):
        later.setdefault(member_id, []).append((type_, on))
    cells_by_province = _cells(now)
    in_progress = sum(min(IN_PROGRESS_PER_PROVINCE, len(c)) for c in cells_by_province.values())
    next_id = iter(allocate_ids(Applicant, len(events) + in_progress))
    for _eid, member_id, type_, ceremony, decision_no, decision_date, issuer, cell, occupation in events:
        p = people[member_id]
        decision = decision_date or ceremony - dt.timedelta(days=12)
        vote = decision - dt.timedelta(days=rng.randint(25, 60))
        resolution = vote + (decision - vote) // 2
        dates = {
            Step.LISTED: vote - dt.timedelta(days=rng.randint(300, 500)),
            Step.AWARENESS_COURSE: vote - dt.timedelta(days=rng.randint(150, 280)),
            Step.APPLICATION: vote - dt.timedelta(days=120), Step.BIOGRAPHY: vote - dt.timedelta(days=118),
            Step.VERIFICATION: vote - dt.timedelta(days=60), Step.INTRODUCTION: vote - dt.timedelta(days=30),
            Step.OPINIONS: vote - dt.timedelta(days=14),
        }
        official = rng.randint(5, 25)
        yes = official - rng.randint(0, official // 3)
        aid = next(next_id)
        steps: list[tuple[str, dt.date, dt.date | None, dict[str, Any]]] = [
            (s, d, None, {"document_no": "01-NQ/CB"} if s == Step.LISTED else {}) for s, d in dates.items()]
        steps += [
            (Step.CELL_VOTE, vote, cal.add(vote, 60), {"votes_for": yes, "votes_against": official - yes,
                                                     "official_members": official, "passed": True}),
            (Step.GRASSROOTS_RESOLUTION, resolution, cal.add(vote, 60), {"document_no": "NQ/ĐU"}),
            (Step.DECISION, decision, cal.add(decision, 30), {"document_no": decision_no, "issuer": issuer,
                                                              "details": {"received_on": decision.isoformat()}}),
        ]
        end = add_months(ceremony, 12)
        steps.append((Step.CEREMONY, ceremony, cal.add(end, 30),
                      {"details": {"probation_ends": end.isoformat(), "member": member_id}}))
        after = [x for x in later.get(member_id, []) if x[1] >= ceremony]
        final = None
        nxt = after[0] if after else None
        course = ceremony + dt.timedelta(days=rng.randint(60, 200))
        if nxt is None or nxt[1] > course:
            steps.append((Step.NEW_MEMBER_COURSE, min(course, now), cal.add(end, 30), {}))
        if nxt is not None and nxt[0] == EventType.RECOGNIZED:
            rv = min(nxt[1] + dt.timedelta(days=rng.randint(3, 25)), now)
            steps += [
                (Step.RECOGNITION_VOTE, rv, cal.add(rv, 30), {"votes_for": official, "votes_against": 0,
                                                              "official_members": official, "passed": True}),
                (Step.RECOGNITION_RESOLUTION, min(rv + dt.timedelta(days=10), now), cal.add(rv, 30), {}),
                (Step.RECOGNITION_DECISION, min(rv + dt.timedelta(days=25), now), None, {"document_no": "QĐ-CT"}),
            ]
            final = Step.OFFICIAL
        elif nxt is not None and nxt[0] in (EventType.REMOVED, EventType.WITHDRAWN, EventType.EXPELLED,
                                            EventType.DECEASED):
            steps.append((Step.REMOVED, nxt[1], None, {}))
        steps = [s for s in steps if s[1] <= now]
        last = steps[-1]
        state = final or last[0]
        age_at = (ceremony - p["birth_date"]).days // 365
        applicants.append([
            aid, p["full_name"], p["search_key"], p["gender"], p["birth_date"], p["ethnicity"], p["religion"],
            p["general_education"], occupation or Occupation.OTHER, age_at <= 30, cell,
            "youth_union" if age_at <= 30 else "cell", member_id,
            member_id if type_ == EventType.READMITTED else None, dates[Step.LISTED], state, last[1], last[2], 0,
            False, stamp])
        chain(aid, cell, steps, final)

    # 2. people in the procedure today, some late
    order = [Step.LISTED, Step.AWARENESS_COURSE, Step.APPLICATION, Step.BIOGRAPHY, Step.VERIFICATION,
             Step.INTRODUCTION, Step.OPINIONS, Step.CELL_VOTE, Step.GRASSROOTS_RESOLUTION, Step.DECISION]
    for _province, cells in sorted(cells_by_province.items()):
        for _i in range(min(IN_PROGRESS_PER_PROVINCE, len(cells))):
            cell = rng.choice(cells)
            name, gender = _name(rng)
            reach = rng.choice(order)
            # the vote some time ago: late when the decision or the ceremony has not followed in time
            vote = now - dt.timedelta(days=rng.randint(5, 140))
            listed = vote - dt.timedelta(days=rng.randint(300, 450))
            dates = {Step.LISTED: listed, Step.AWARENESS_COURSE: listed + dt.timedelta(days=40),
                     Step.APPLICATION: listed + dt.timedelta(days=90), Step.BIOGRAPHY: listed + dt.timedelta(days=92),
                     Step.VERIFICATION: listed + dt.timedelta(days=150),
                     Step.INTRODUCTION: listed + dt.timedelta(days=200), Step.OPINIONS: vote - dt.timedelta(days=10),
                     Step.CELL_VOTE: vote, Step.GRASSROOTS_RESOLUTION: vote + dt.timedelta(days=3),
                     Step.DECISION: vote + dt.timedelta(days=4)}
            steps = []
            for s in order:
                due = None
                extra: dict[str, Any] = {}
                if s in (Step.CELL_VOTE, Step.GRASSROOTS_RESOLUTION):
                    due = cal.add(vote, 60)
                if s == Step.CELL_VOTE:
                    extra = {"votes_for": 7, "votes_against": 1, "official_members": 9, "passed": True}
                if s == Step.DECISION:
                    due = cal.add(dates[s], 30)
                    extra = {"document_no": "QĐ-KN", "issuer": "Ban Thường vụ",
                             "details": {"received_on": dates[s].isoformat()}}
                steps.append((s, dates[s], due, extra))
                if s == reach:
                    break
            aid = next(next_id)
            birth = dt.date(rng.randint(1975, 2005), rng.randint(1, 12), rng.randint(1, 28))
            applicants.append([
                aid, name, fold(name), gender, birth, "01", "none", "upper_secondary",
                rng.choice([Occupation.STUDENT, Occupation.PRIVATE_ENTERPRISE, Occupation.FARMER, Occupation.OTHER]),
                birth.year >= 1996, cell, "cell", None, None, listed, reach, steps[-1][1], steps[-1][2], 0, False,
                stamp])
            chain(aid, cell, steps)
    insert_rows(Applicant, APPLICANT_FIELDS, applicants)
    act_ids = allocate_ids(AdmissionAct, len(acts))
    for row, pk in zip(acts, act_ids, strict=True):
        row[0] = pk
    insert_rows(AdmissionAct, ACT_FIELDS, acts)
    return {"applicants": len(applicants), "acts": len(acts)}


def _cells(on: dt.date) -> dict[str, list[int]]:
    """Today's party cells with members, by demo province (the root's code)."""
    from chibo.core.paths import segments
    from chibo.members.models import Affiliation

    with_members = set(Affiliation.objects.filter(valid_to__isnull=True).values_list("org_id", flat=True).distinct())
    roots = dict(Organization.objects.filter(versions__parent__isnull=True).values_list("pk", "code"))
    out: dict[str, list[int]] = {}
    for org_id, path in OrgVersion.objects.filter(kind__key__in=["party_cell", "grassroots_party_cell"]).filter(
            valid_from__lte=on).exclude(valid_to__lte=on).values_list("org_id", "path"):
        if org_id in with_members:
            out.setdefault(roots.get(segments(path)[0], "?"), []).append(org_id)
    for v in out.values():
        v.sort()
    return out
