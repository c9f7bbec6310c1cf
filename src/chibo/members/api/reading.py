"""Reads shared by the API, the pages and the `members` command: count reports with stable
keys, the organization path a member's reads are logged under, and which members' sensitive
fields a user may see (for a whole page at once). They call the selectors and add no rule of
their own; the CLI and the API answer from the same functions, so they always agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import transaction

from chibo.core.audit import read_log_many
from chibo.core.scoping import resolve_scope
from chibo.orgs.models import Organization

from .. import selectors
from ..choices import (
    ETHNICITY_CHOICES,
    IN_PARTY,
    AffiliationKind,
    EventType,
    Gender,
    GeneralEducation,
    Occupation,
    ProfessionalLevel,
    Religion,
    TheoryLevel,
)
from ..models import Affiliation, Member

COUNT_FIELDS: tuple[str, ...] = tuple(selectors.COUNT_FIELDS)
# what admissions can be grouped by: the sector (occupation then), the kind of admission, or an
# attribute of the person
ADMISSION_FIELDS: tuple[str, ...] = ("sector", "occupation", "status", "gender", "ethnicity", "religion",
                                     "general_education", "professional_level", "theory_level")
LEAVE_KEYS: tuple[str, ...] = tuple(str(t) for t in selectors.LEAVE_TYPES)


def count_keys(by: str, *, admissions: bool = False) -> list[str]:
    """The keys a count by `by` always has (zero when nobody has the value), in display order."""
    if by == "status":
        return [str(EventType.ADMITTED), str(EventType.READMITTED)] if admissions else [str(s) for s in IN_PARTY]
    if by == "age_band":
        return [key for _low, _high, key in selectors.AGE_BANDS]
    if by == "ethnicity":
        return [code for code, _name in ETHNICITY_CHOICES]
    choices: dict[str, Any] = {
        "gender": Gender, "religion": Religion, "general_education": GeneralEducation,
        "professional_level": ProfessionalLevel, "theory_level": TheoryLevel,
        "occupation": Occupation, "sector": Occupation,
    }
    if by in choices:
        return [str(v) for v in choices[by].values]
    raise ValueError(by)


def stable(counts: dict[str, int], keys: Sequence[str]) -> dict[str, int]:
    """Every expected key (0 when absent), then any unexpected one, so nothing is lost."""
    out = {key: int(counts.get(key, 0)) for key in keys}
    for key in sorted(k for k in counts if k not in out):
        out[str(key)] = int(counts[key])
    return out


def _report(head: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    return {**head, "counts": counts, "total": sum(counts.values())}


def members_count(*, user: Any, org: Organization | None, on: dt.date, by: str) -> dict[str, Any]:
    """Members under `org` on `on` by `by`: `{"under", "as_of", "by", "counts", "total"}`."""
    if by not in COUNT_FIELDS:
        raise ValueError(by)
    counts = selectors.member_counts(user=user, org=org, on=on, by=by)
    head = {"under": org.code if org else None, "as_of": on.isoformat(), "by": by}
    return _report(head, stable(counts, count_keys(by)))


def admissions_count(*, user: Any, org: Organization | None, start: dt.date, end: dt.date,
                     by: str = "sector") -> dict[str, Any]:
    """Admissions in [start, end] by the sector (or `by`) the person had when admitted."""
    if by not in ADMISSION_FIELDS:
        raise ValueError(by)
    counts = selectors.admissions_count(user=user, org=org, start=start, end=end, by=by)
    head = {"under": org.code if org else None, "admitted_from": start.isoformat(),
            "admitted_to": end.isoformat(), "by": by}
    return _report(head, stable(counts, count_keys(by, admissions=True)))


def departures_count(*, user: Any, org: Organization | None, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Members who left the party in [start, end], by how."""
    counts = selectors.departures_count(user=user, org=org, start=start, end=end)
    head = {"under": org.code if org else None, "left_from": start.isoformat(), "left_to": end.isoformat()}
    return _report(head, stable(counts, LEAVE_KEYS))


def party_age(days: int) -> dict[str, int]:
    """Days of membership as whole years and months (a month is 1/12 of a Gregorian year)."""
    months = int(days // 30.436875)
    return {"days": days, "years": months // 12, "months": months % 12}


def sensitive_visible(*, user: Any, member_ids: Iterable[int]) -> set[int]:
    """The members among `member_ids` whose sensitive fields the user may see: the same answer as
    `selectors.may_see_sensitive` for each, in one query for a whole page."""
    ids = list(member_ids)
    scope = resolve_scope(user, selectors.SENSITIVE)
    if scope.everything:
        return set(ids)
    if scope.is_empty or not ids:
        return set()
    return set(Member.objects.restrict(user, selectors.SENSITIVE).filter(pk__in=ids).values_list("pk", flat=True))


MEMBER = "members.member"  # the read log's target type of a member (as `read_log` names it)


def member_read_paths(member_ids: Iterable[int], on: dt.date) -> dict[int, str]:
    """The organization path each member's reads are logged under, as `MemberRecord.org_path`
    gives it for one member: the cell of the official affiliation valid on `on`, else of their
    last affiliation; its place in the tree on `on`, else its last. One query per 900 members
    (the affiliations joined to their organizations' versions)."""
    ids = sorted(set(member_ids))
    out: dict[int, str] = {}
    for i in range(0, len(ids), 900):
        rows = (Affiliation.objects.filter(member_id__in=ids[i:i + 900])
                .values_list("member_id", "id", "kind", "valid_from", "valid_to", "org__versions__path",
                             "org__versions__valid_from", "org__versions__valid_to"))
        chosen: dict[int, tuple[Any, ...]] = {}  # member -> (rank of the affiliation, rank of the version, path)
        for member_id, aff_id, kind, a_from, a_to, path, v_from, v_to in rows:
            current = kind == AffiliationKind.OFFICIAL and selectors._valid_on(a_from, a_to, on)
            aff_rank = (current, a_from or dt.date.min, aff_id)
            version_rank = (path is not None and selectors._valid_on(v_from, v_to, on), v_from or dt.date.min)
            rank = (aff_rank, version_rank, path or "")
            if member_id not in chosen or rank > chosen[member_id]:
                chosen[member_id] = rank
        out.update({member_id: rank[2] for member_id, rank in chosen.items()})
    return out


READ_LOG_CHUNK = 2000  # members per insert: a page or a small export is one insert


def log_member_reads(*, actor: Any, member_ids: Iterable[int], on: dt.date, purpose: str,
                     paths: dict[int, str] | None = None) -> int:
    """Log a read of each member among `member_ids` (those a response carried): one insert for
    up to READ_LOG_CHUNK members (a list page, a small export), one per chunk beyond (a large
    export, in bounded memory), all in one transaction. `paths` may give members' paths the
    caller already knows (their cell on `on`); the others are read by `member_read_paths`."""
    known = paths or {}
    written = 0
    seen: set[int] = set()
    with transaction.atomic():
        for chunk in _chunks(member_ids, READ_LOG_CHUNK):
            ids = [pk for pk in dict.fromkeys(chunk) if pk not in seen]
            seen.update(ids)
            found = {pk: known[pk] for pk in ids if pk in known}
            missing = [pk for pk in ids if pk not in found]
            if missing:
                found.update(member_read_paths(missing, on))
            written += read_log_many(actor=actor, target_type=MEMBER,
                                     targets=[(pk, found.get(pk, "")) for pk in ids], purpose=purpose)
    return written


def _chunks(items: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
