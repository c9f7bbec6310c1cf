"""The bulk path for imports, demo data and generated datasets: every record is validated in
Python by the same rules as the services (person data, the status state machine, event order,
cells that exist), then written with bulk inserts inside one transaction. All or nothing."""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.bulk import allocate_ids, insert_rows
from chibo.core.text import fold
from chibo.orgs.models import OrgVersion

from .choices import AffiliationKind, EventType, Status
from .models import (
    Affiliation,
    Member,
    MemberEvent,
    StatusPeriod,
    Transfer,
    TransferKind,
    TransferState,
)
from .services import JOINING, LEAVING, MEMBER_CELL_KINDS, TRANSITIONS, PersonData, _validate_person
from .validation import add_months

BATCH = 2000
# The columns the bulk path writes, in the order of its rows (every column of the tables).
MEMBER_FIELDS = ["id", "full_name", "search_key", "gender", "birth_date", "birthplace", "hometown", "ethnicity",
                 "religion", "national_id", "phone", "general_education", "professional_level", "theory_level",
                 "occupation", "admission_decision_date", "admission_decision_no", "ceremony_date", "official_date",
                 "card_number", "card_date", "status", "user", "created_at"]
TRANSFER_FIELDS = ["member", "kind", "from_org", "to_org", "outside_place", "trigger_date", "start_deadline",
                   "requested_on", "letter_no", "letter_issued_on", "issued_by", "present_deadline",
                   "dues_paid_through", "received_on", "temporary_until", "state", "note"]


def _covers(model: type[Any], fields: Sequence[str], with_id: bool) -> bool:
    """Whether `fields` are all the columns of `model` (else the ORM writes the rows)."""
    names = {f.name for f in model._meta.concrete_fields if with_id or not f.primary_key}
    return names == set(fields)


def _write(model: type[Any], fields: Sequence[str], rows: list[tuple[Any, ...]], with_id: bool = False) -> list[int]:
    """Insert `rows` (tuples in `fields` order, foreign keys as ids; with `with_id` the first
    field is "id" and its values are None) with executemany, or with the ORM when the model has
    columns the rows do not give or the database cannot reserve ids. Returns the ids (with_id)."""
    ids: list[int] | None = None
    if _covers(model, fields, with_id):
        ids = (allocate_ids(model, len(rows)) if connection.vendor in ("postgresql", "sqlite") else None) \
            if with_id else []
    if ids is not None:
        if with_id:
            rows = [(pk, *row[1:]) for pk, row in zip(ids, rows, strict=True)]
        insert_rows(model, fields, rows)
        return ids
    names = [model._meta.get_field(f).attname for f in fields]
    objs = [model(**{n: v for n, v in zip(names, row, strict=True) if n != "id"}) for row in rows]
    model.objects.bulk_create(objs, batch_size=500)
    return [o.pk for o in objs]


@dataclass(frozen=True)
class EventSpec:
    type: str
    on: dt.date
    cell_id: int | None = None  # the cell joined (admission, readmission, restoration)
    decision_no: str = ""
    decision_date: dt.date | None = None
    issuer: str = ""
    reason: str = ""


@dataclass
class MemberRecord:
    person: PersonData
    events: list[EventSpec]
    moves: list[tuple[dt.date, int]] = field(default_factory=list)  # (date, new cell id): completed transfers
    admission_decision_no: str = ""
    admission_decision_date: dt.date | None = None


@dataclass
class RowError:
    index: int
    field: str
    message: str


class BulkError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


class _Cells:
    """Which cells exist when (one query for all the cells a batch mentions)."""

    def __init__(self, ids: set[int]) -> None:
        self.periods: dict[int, list[tuple[dt.date, dt.date | None, str]]] = {}
        rows = OrgVersion.objects.filter(org_id__in=ids).values_list("org_id", "valid_from", "valid_to", "kind__key")
        for org_id, start, end, kind in rows:
            self.periods.setdefault(org_id, []).append((start, end, kind))

    def check(self, cell_id: int, start: dt.date, end: dt.date | None) -> str | None:
        periods = sorted(self.periods.get(cell_id, []))
        if not periods:
            return _("Unknown cell.")
        cursor: dt.date | None = start
        for p_start, p_end, kind in periods:
            if p_end is not None and p_end <= start:
                continue
            if end is not None and p_start >= end:
                break
            if cursor is None or p_start > cursor:
                return _("The cell does not exist for the whole period from %(date)s.") % {"date": start}
            if kind not in MEMBER_CELL_KINDS:
                return _("Members belong to party cells.")
            cursor = p_end
            if cursor is None or (end is not None and cursor >= end):
                return None
        return _("The cell does not exist for the whole period from %(date)s.") % {"date": start}


def _plan(index: int, rec: MemberRecord, cells: _Cells, errors: list[RowError],
          probation_months: Callable[[dt.date], int]) -> dict[str, Any] | None:
    try:
        values = _validate_person(rec.person)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.extend(RowError(index, name, m) for m in messages)
        return None
    status: str | None = None
    periods: list[tuple[str, dt.date]] = []
    affiliations: list[list[Any]] = []  # [cell, start, end]
    last_on: dt.date | None = None
    moves = sorted(rec.moves)
    timeline: list[tuple[dt.date, int, Any]] = [(e.on, 0, e) for e in rec.events] + [(d, 1, c) for d, c in moves]
    timeline.sort(key=lambda t: (t[0], t[1]))
    events_out: list[dict[str, Any]] = []
    official_date = None
    for on, kind, item in timeline:
        if kind == 1:  # a completed transfer: close and open at once
            if not affiliations or affiliations[-1][2] is not None:
                errors.append(RowError(index, "moves", _("A move on %(date)s while in no cell.") % {"date": on}))
                return None
            affiliations[-1][2] = on
            affiliations.append([item, on, None])
            continue
        event: EventSpec = item
        if event.type not in TRANSITIONS or status not in TRANSITIONS[event.type]:
            errors.append(RowError(index, "events", _("“%(event)s” is not possible after “%(status)s”.")
                                   % {"event": event.type, "status": status or "—"}))
            return None
        if last_on is not None and event.on < last_on:
            errors.append(RowError(index, "events", _("Events must be in date order.")))
            return None
        if event.type == EventType.RECOGNIZED:
            start = last_on or event.on
            expected = add_months(start, probation_months(start))
            if event.on != expected:
                errors.append(RowError(index, "events", _("Recognition is dated at the end of probation (%(date)s).")
                                       % {"date": expected}))
                return None
            official_date = event.on
        if event.type in JOINING:
            if event.cell_id is None:
                errors.append(RowError(index, "cell", _("Choose the cell the member joins.")))
                return None
            affiliations.append([event.cell_id, event.on, None])
        if event.type in LEAVING and affiliations and affiliations[-1][2] is None:
            affiliations[-1][2] = event.on
        status = TRANSITIONS[event.type][status]
        if periods and periods[-1][1] == event.on:
            periods[-1] = (status, event.on)
        else:
            periods.append((status, event.on))
        last_on = event.on
        events_out.append({"event": event, "org": event.cell_id if event.type in JOINING else
                           (affiliations[-1][0] if affiliations else None), "status_before": ""})
    if not rec.events or rec.events[0].type != EventType.ADMITTED:
        errors.append(RowError(index, "events", _("The first event must be the admission.")))
        return None
    for cell_id, start, end in affiliations:
        if end is not None and end <= start:
            errors.append(RowError(index, "moves", _("A cell is left on the day it is joined.")))
            return None
        problem = cells.check(cell_id, start, end)
        if problem:
            errors.append(RowError(index, "cell", problem))
            return None
    ceremony = rec.events[0].on
    return {"values": values, "status": status, "periods": periods, "affiliations": affiliations,
            "events": events_out, "ceremony": ceremony, "official_date": official_date}


@contextmanager
def _large_cache() -> Iterator[None]:
    """On SQLite, a page cache that holds the indexes being filled (256 MB at most, for the
    duration of the bulk write): far fewer pages spilled to and read back from the log."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def members_bulk_create(
    *, actor: Any, records: Sequence[MemberRecord], source: str,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Create members with their histories. Raises `BulkError` listing every bad record, and then
    writes nothing. Returns the new members' ids."""
    with _large_cache(), transaction.atomic():
        return _bulk_create(actor=actor, records=records, source=source, progress=progress)


# Test hooks for the crash tests (security.md §5.1): after N members are written, inside the
# transaction, kill the process (SIGKILL) or raise. Unset in normal runs.
CRASH_ENV = "CHIBO_TEST_CRASH_AFTER_MEMBERS"
FAIL_ENV = "CHIBO_TEST_FAIL_AFTER_MEMBERS"


def _crash_hook(written: int) -> None:
    for name in (CRASH_ENV, FAIL_ENV):
        raw = os.environ.get(name, "").strip()
        if raw.isdigit() and written >= int(raw):
            if name == CRASH_ENV:
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"{name}: failing on purpose after {written} members")


def _bulk_create(
    *, actor: Any, records: Sequence[MemberRecord], source: str,
    progress: Callable[[int, int], None] | None,
) -> list[int]:
    from chibo.rules.models import PolicyParameter
    from chibo.rules.selectors import MissingRule

    # `rule("probation.months", on=...)` for every date, from the national rows read once
    probation_rows = list(PolicyParameter.objects.filter(key="probation.months", org__isnull=True)
                          .values_list("valid_from", "valid_to", "value"))
    cache: dict[dt.date, int] = {}

    def probation_months(on: dt.date) -> int:
        if on not in cache:
            for valid_from, valid_to, value in probation_rows:
                if (valid_from is None or valid_from <= on) and (valid_to is None or on < valid_to):
                    cache[on] = int(value)
                    break
            else:
                raise MissingRule(f"No value for 'probation.months' on {on}")
        return cache[on]

    cell_ids = {e.cell_id for r in records for e in r.events if e.cell_id} | {c for r in records for _d, c in r.moves}
    cells = _Cells(cell_ids)
    errors: list[RowError] = []
    plans = [_plan(i, r, cells, errors, probation_months) for i, r in enumerate(records)]
    ids_seen: dict[str, int] = {}
    for i, r in enumerate(records):
        for key, value in (("national_id", r.person.national_id), ("card_number", r.person.card_number)):
            if value:
                if (key, value) in ids_seen:  # type: ignore[comparison-overlap]
                    errors.append(RowError(i, key, _("Repeated in the file (first in record %(n)d).")
                                           % {"n": ids_seen[(key, value)] + 1}))  # type: ignore[index]
                ids_seen[(key, value)] = i  # type: ignore[index]
    national_ids = [r.person.national_id for r in records if r.person.national_id]
    cards = [r.person.card_number for r in records if r.person.card_number]
    taken: set[tuple[str | None, str | None]] = set()
    for i in range(0, max(len(national_ids), len(cards)), 5000):
        taken.update(Member.objects.filter(Q(national_id__in=national_ids[i:i + 5000])
                                           | Q(card_number__in=cards[i:i + 5000]))
                     .values_list("national_id", "card_number"))
    taken_ids = {n for n, _c in taken if n}
    taken_cards = {c for _n, c in taken if c}
    for i, r in enumerate(records):
        if r.person.national_id and r.person.national_id in taken_ids:
            errors.append(RowError(i, "national_id", _("Another member already has this identity number.")))
        if r.person.card_number and r.person.card_number in taken_cards:
            errors.append(RowError(i, "card_number", _("Another member already has this card number.")))
    if errors:
        raise BulkError(sorted(errors, key=lambda e: (e.index, e.field)))

    created: list[int] = []
    total = len(records)
    for start in range(0, total, BATCH):
        chunk: list[tuple[MemberRecord, dict[str, Any]]] = [
            (r, p or {}) for r, p in zip(records[start:start + BATCH], plans[start:start + BATCH], strict=True)
        ]
        now = timezone.now()
        created_at = connection.ops.adapt_datetimefield_value(now)
        member_rows: list[tuple[Any, ...]] = []
        for rec, plan in chunk:
            p = rec.person
            member_rows.append((
                None, plan["values"]["full_name"], fold(plan["values"]["full_name"]), p.gender, p.birth_date,
                p.birthplace_id, p.hometown_id, p.ethnicity, p.religion, plan["values"]["national_id"], p.phone,
                p.general_education, p.professional_level, p.theory_level, p.occupation,
                rec.admission_decision_date or plan["ceremony"], rec.admission_decision_no, plan["ceremony"],
                plan["official_date"], p.card_number or None, p.card_date, plan["status"], None, created_at,
            ))
        ids = _write(Member, MEMBER_FIELDS, member_rows, with_id=True)
        events: list[tuple[Any, ...]] = []
        periods: list[tuple[Any, ...]] = []
        affiliations: list[tuple[Any, ...]] = []
        transfers: list[tuple[Any, ...]] = []
        for pk, (rec, plan) in zip(ids, chunk, strict=True):
            created.append(pk)
            status_before = ""
            for item in plan["events"]:
                e: EventSpec = item["event"]
                events.append((pk, e.type, e.on, e.decision_no, e.decision_date, e.issuer, e.reason,
                               item["org"], rec.person.occupation, status_before, now))
                status_before = TRANSITIONS[e.type][status_before or None]
            for k, (status, since) in enumerate(plan["periods"]):
                until = plan["periods"][k + 1][1] if k + 1 < len(plan["periods"]) else None
                periods.append((pk, status, since, until))
            previous = None
            for cell_id, since, until in plan["affiliations"]:
                if previous is not None and previous[2] == since:
                    transfers.append((
                        pk, TransferKind.OFFICIAL, previous[0], cell_id, "", since, since, since, "", since, None,
                        since, "", since, None, TransferState.RECEIVED, source,
                    ))
                affiliations.append((pk, cell_id, AffiliationKind.OFFICIAL, since, until, None))
                previous = (cell_id, since, until)
        insert_rows(MemberEvent, ["member", "type", "on", "decision_no", "decision_date", "issuer", "reason",
                                  "org", "occupation", "status_before", "recorded_at"], events)
        insert_rows(StatusPeriod, ["member", "status", "valid_from", "valid_to"], periods)
        insert_rows(Affiliation, ["member", "org", "kind", "valid_from", "valid_to", "transfer"], affiliations)
        _write(Transfer, TRANSFER_FIELDS, transfers)
        _crash_hook(len(created))
        if progress:
            progress(min(start + BATCH, total), total)
    audit_log(actor=actor, action="member.bulk_create", target_type="members.member", target_id="*",
              after={"count": len(created), "source": source}, reason=source)
    return created


__all__ = ["BulkError", "EventSpec", "MemberRecord", "PersonData", "RowError", "Status", "members_bulk_create"]
