"""The plan of the 1 July 2025 reform for one province, from the real mapping of administrative
units (`chibo.geo`) and the rules of domain.md §7.2. It only writes a plan (YAML); checking and
applying it is `chibo restructure check|apply`.

For the province given by its legacy code, the plan covers the whole *current* province it
belongs to: for a merged province (Tuyên Quang 08 + Hà Giang 02 → Tuyên Quang, current code 08)
the plan for 08 and the plan for 02 are the same plan (same key, `reform-2025-08`), so it is
applied once. The current province is the one that the legacy province's communes map to
(`AdminUnitSuccession`, which agrees with the data package's province mapping); the legacy
provinces that form it are those whose communes map into it, plus those listed by the package's
`DICT_PROVINCE` when the package is installed.

On the reform date (2025-07-01; the old units' last day is 2025-06-30), in this order:

a) every current commune-level unit (xã, phường, đặc khu) of the current province gets a
   `commune_level_party_committee` directly under the surviving provincial committee (the one
   whose code is the current province's code), named "Đảng bộ <xã|phường|đặc khu> <name>", with
   the current unit as its administrative unit, deciding admissions and recognition;
b) every old commune's grassroots organization (sector `commune`, administrative unit a legacy
   commune) is merged into the new committee of the commune its commune maps to; the village and
   residential cells beneath it become grassroots party cells and component committees become
   grassroots party committees, all under the new committee. A commune divided between several
   new communes goes to the package's default destination, in an event of its own marked
   `divided: true, confirmed: false` with the `candidates`: `apply` refuses it until a person
   sets `confirmed: true` or changes `into` (and may send single cells elsewhere with
   `children_to`). A commune whose organization is a grassroots party cell is moved, not merged;
c) every other organization directly under a district committee (agencies, schools, enterprises)
   goes under the new commune committee of its administrative unit's successor, when its unit is a
   legacy commune, else directly under the provincial committee;
d) every district committee is dissolved (its kind is abolished from 2025-07-01);
e) the other legacy provinces' committees are merged into the surviving provincial committee.

Codes of the new committees follow `code_format` (default ``{province}-CL-{commune}``, e.g.
``22-CL-06691``): the plain ``{province}-{commune}`` form collides with the codes of the old
commune committees (``22-06691``) because almost every new commune kept the code of one of the
old ones. The generator refuses a format that collides with an existing code.

Decision numbers are placeholders to be replaced by the real ones before applying.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from chibo.core.paths import any_subtree_q
from chibo.core.validtime import valid_on_q
from chibo.geo.models import REFORM_DATE, AdminUnit, AdminUnitSuccession, Edition, Level
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization, OrgVersion, Power, Sector

from .plans import plan_dump

DEFAULT_CODE_FORMAT = "{province}-CL-{commune}"
CHILD_KINDS = {K.PARTY_CELL: K.GRASSROOTS_CELL, K.COMPONENT: K.GRASSROOTS_COMMITTEE}
COMMUNE_POWERS = [Power.DECIDE_ADMISSION.value, Power.DECIDE_RECOGNITION.value]


class Plan2025Error(Exception):
    pass


@dataclass
class Flagged:
    org: str
    name: str
    proposed: str
    candidates: list[str]


@dataclass
class Plan2025:
    key: str
    province: str  # current code
    province_name: str
    legacy_provinces: list[str]
    data: dict[str, Any]
    text: str
    counts: dict[str, int] = field(default_factory=dict)
    flagged: list[Flagged] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def confirmed_text(self) -> str:
        """The plan with every flagged event confirmed as proposed (the package's default
        destinations): what a person would write after accepting every proposal. For the demo."""
        data = dict(self.data)
        data["events"] = [
            {**e, "confirmed": True} if e.get("confirmed") is False else e for e in self.data["events"]
        ]
        return plan_dump(data, "Every divided commune confirmed as proposed.")


def _package_provinces() -> dict[str, list[str]]:
    """The package's current province key -> legacy province keys (empty if unavailable)."""
    try:
        from importlib.resources import files

        path = files("vietnamadminunits") / "data" / "converter_2025.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): [str(x) for x in v] for k, v in data.get("DICT_PROVINCE", {}).items()}
    except (ImportError, OSError, ValueError, AttributeError):
        return {}


def _current_province(legacy: AdminUnit) -> AdminUnit:
    row = (
        AdminUnitSuccession.objects.filter(legacy__parent__parent=legacy)
        .values("current__parent_id").annotate(n=Count("id")).order_by("-n").first()
    )
    if row and row["current__parent_id"]:
        return AdminUnit.objects.get(pk=row["current__parent_id"])
    for current_key, olds in _package_provinces().items():
        if legacy.key in olds:
            unit = AdminUnit.objects.filter(edition=Edition.CURRENT, level=Level.PROVINCE, key=current_key).first()
            if unit is not None:
                return unit
    unit = AdminUnit.objects.filter(edition=Edition.CURRENT, level=Level.PROVINCE, code=legacy.code).first()
    if unit is None:
        raise Plan2025Error(f"No current province found for the legacy province {legacy.code} ({legacy.name}).")
    return unit


def _legacy_provinces(current: AdminUnit) -> list[AdminUnit]:
    ids = set(
        AdminUnitSuccession.objects.filter(current__parent=current)
        .values_list("legacy__parent__parent_id", flat=True)
    )
    keys = _package_provinces().get(current.key, [])
    if keys:
        ids |= set(AdminUnit.objects.filter(edition=Edition.LEGACY, level=Level.PROVINCE, key__in=keys)
                   .values_list("pk", flat=True))
    return list(AdminUnit.objects.filter(pk__in=ids, level=Level.PROVINCE).order_by("code"))


def commune_committee_name(unit: AdminUnit) -> str:
    kind = (unit.unit_type or "").strip()
    return f"Đảng bộ {kind.lower()} {unit.short_name}" if kind else f"Đảng bộ {unit.name}"


def _legacy_province(province: str) -> AdminUnit:
    legacy = AdminUnit.objects.filter(edition=Edition.LEGACY, level=Level.PROVINCE, code=province).first()
    if legacy is None:
        raise Plan2025Error(f"Unknown legacy province code {province!r} (load the units with `chibo geo load`).")
    return legacy


def _key(current: AdminUnit) -> str:
    return f"reform-2025-{current.code}"


def plan_2025_key(*, province: str) -> str:
    """The key of the plan that `plan_2025` writes for the legacy province `province` (the same
    for every legacy province of one current province), without building it: to tell whether
    it was applied (`AppliedPlan`) before planning again."""
    return _key(_current_province(_legacy_province(province)))


def plan_2025(*, province: str, on: dt.date = REFORM_DATE, code_format: str = DEFAULT_CODE_FORMAT) -> Plan2025:
    """The plan for the current province that the legacy province `province` belongs to."""
    legacy = _legacy_province(province)
    current = _current_province(legacy)
    day = on - dt.timedelta(days=1)
    legacy_units = _legacy_provinces(current)
    roots: dict[str, OrgVersion] = {}
    for unit in legacy_units:
        org = Organization.objects.filter(code=unit.code).first()
        v = org.version_on(day) if org else None
        if v is not None:
            roots[unit.code] = v
    if province not in roots:
        raise Plan2025Error(f"No provincial committee with the code {province!r} exists on {day}.")
    survivor = roots.get(current.code)
    if survivor is None:
        raise Plan2025Error(
            f"The provincial committee that continues {current.name} must have the code {current.code!r}; "
            f"there is none on {day}."
        )
    sv = survivor.org.code
    warnings: list[str] = []

    # the current communes and their new committees
    communes = list(AdminUnit.objects.filter(edition=Edition.CURRENT, level=Level.COMMUNE, parent=current)
                    .order_by("code"))
    new_code = {u.pk: code_format.format(province=current.code, commune=u.code) for u in communes}
    taken = set(Organization.objects.filter(code__in=list(new_code.values())).values_list("code", flat=True))
    if taken:
        raise Plan2025Error(
            f"The code format {code_format!r} gives codes that already exist (e.g. {sorted(taken)[0]}); "
            "choose another with --code-format."
        )

    # everything under the legacy provinces on the day before
    versions = list(
        OrgVersion.objects.filter(valid_on_q(day)).filter(any_subtree_q([v.path for v in roots.values()]))
        .select_related("org", "org__admin_unit", "kind").order_by("path")
    )
    children: dict[int, list[OrgVersion]] = defaultdict(list)
    for v in versions:
        if v.parent_id is not None:
            children[v.parent_id].append(v)

    successions: dict[int, list[AdminUnitSuccession]] = defaultdict(list)
    unit_ids = {v.org.admin_unit_id for v in versions if v.org.admin_unit_id}
    for s in AdminUnitSuccession.objects.filter(legacy_id__in=unit_ids).select_related("current"):
        successions[s.legacy_id].append(s)
    by_name = {u.short_name: u for u in communes}

    def destinations(unit: AdminUnit | None) -> tuple[AdminUnit | None, list[AdminUnit]]:
        """(default current commune, all candidates) for a legacy commune."""
        if unit is None or unit.edition != Edition.LEGACY or unit.level != Level.COMMUNE:
            return None, []
        links = successions.get(unit.pk, [])
        if not links:  # the island districts without communes: same name in the current edition
            match = by_name.get(unit.short_name)
            return (match, [match]) if match else (None, [])
        links.sort(key=lambda s: (not s.is_default, s.current.code))
        return links[0].current, [s.current for s in links]

    def is_commune_org(v: OrgVersion) -> bool:
        u = v.org.admin_unit
        return (
            v.kind.key in (K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL) and v.org.sector == Sector.COMMUNE
            and u is not None and u.edition == Edition.LEGACY and u.level == Level.COMMUNE
        )

    def target_code(unit: AdminUnit, org_code: str) -> str:
        if unit.pk not in new_code:
            raise Plan2025Error(
                f"{org_code}: its commune maps to {unit.name} ({unit.code}), which is not in {current.name}."
            )
        return new_code[unit.pk]

    events: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    flagged: list[Flagged] = []

    # a) the new commune-level committees
    for u in communes:
        events.append({
            "type": "establish", "code": new_code[u.pk], "name": commune_committee_name(u),
            "kind": K.COMMUNE_LEVEL, "parent": sv, "sector": Sector.COMMUNE.value,
            "admin_unit": f"current:{u.code}", "powers": list(COMMUNE_POWERS),
        })
        counts["commune_level_committees_established"] += 1

    # b) the old communes' organizations
    commune_orgs = [v for v in versions if is_commune_org(v)]
    merges: dict[str, list[str]] = defaultdict(list)
    flagged_events: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    for v in commune_orgs:
        proposed, candidates = destinations(v.org.admin_unit)
        if proposed is None:
            raise Plan2025Error(f"{v.org.code} ({v.name}): its commune has no successor in the mapping.")
        target = target_code(proposed, v.org.code)
        divided = len(candidates) > 1
        for c in children.get(v.org_id, []):
            counts[f"{c.kind.key}_moved_under_new_committees"] += 1
        if v.kind.key == K.GRASSROOTS_CELL:
            event: dict[str, Any] = {"type": "move", "org": v.org.code, "parent": target}
            counts["commune_cells_moved"] += 1
        elif divided:
            event = {"type": "merge", "sources": [v.org.code], "into": target,
                     "children_kinds": dict(CHILD_KINDS), "children_to": {}}
            counts["commune_committees_merged"] += 1
        else:
            merges[target].append(v.org.code)
            counts["commune_committees_merged"] += 1
            continue
        if divided:
            cands = [target_code(c, v.org.code) for c in candidates]
            event.update({
                "divided": True, "confirmed": False, "candidates": cands,
                "note": (f"{v.org.admin_unit.name if v.org.admin_unit else v.name} was divided between "
                         + ", ".join(f"{c.name} ({code})" for c, code in zip(candidates, cands, strict=True))
                         + f"; proposed: {target} (the default). Confirm, or change the destination "
                         "(cells may go elsewhere with children_to)."),
            })
            flagged.append(Flagged(org=v.org.code, name=v.name, proposed=target, candidates=cands))
            flagged_events.append(event)
        else:
            moves.append(event)
    for target in sorted(merges):
        events.append({"type": "merge", "sources": sorted(merges[target]), "into": target,
                       "children_kinds": dict(CHILD_KINDS)})
    events.extend(moves)
    events.extend(flagged_events)

    # c) and d) the districts
    commune_ids = {v.org_id for v in commune_orgs}
    districts = [v for v in versions if v.kind.key == K.DISTRICT]
    for d in districts:
        for c in children.get(d.org_id, []):
            if c.org_id in commune_ids:
                continue
            proposed, _candidates = destinations(c.org.admin_unit)
            if proposed is not None and proposed.pk in new_code:
                events.append({"type": "move", "org": c.org.code, "parent": new_code[proposed.pk]})
                counts["district_level_organizations_to_communes"] += 1
            else:
                events.append({"type": "move", "org": c.org.code, "parent": sv})
                counts["district_level_organizations_to_province"] += 1
    for d in districts:
        events.append({"type": "dissolve", "org": d.org.code, "children_to": sv})
        counts["district_committees_dissolved"] += 1
    for v in commune_orgs:
        if v.parent_id is not None and v.parent_id not in {d.org_id for d in districts} \
                and v.parent_id not in {r.org_id for r in roots.values()}:
            warnings.append(f"{v.org.code} sits under {v.parent_id}, not under a district committee.")

    # e) the provinces
    others = sorted(code for code in roots if code != sv)
    if others:
        events.append({"type": "merge", "sources": others, "into": sv,
                       "decision": {"number": f"2025-BCT-{current.code}", "date": day,
                                    "issuer": "Bộ Chính trị"}})
        counts["provincial_committees_merged"] = len(others)

    key = _key(current)
    data: dict[str, Any] = {
        "key": key,
        "title": f"{current.name}: the 1 July 2025 reform (two-level local government)",
        "on": on,
        "decision": {"number": f"2025-TU-{current.code}", "date": day,
                     "issuer": f"Ban Thường vụ Tỉnh ủy {current.short_name}"},
        "events": events,
    }
    legacy_codes = [u.code for u in legacy_units if u.code in roots]
    header = (
        f"The 1 July 2025 reform of {current.name} (current code {current.code}), generated by\n"
        f"`chibo restructure plan-2025 --province {province}` from the mapping of administrative units.\n"
        f"Legacy provinces in it: {', '.join(legacy_codes)}.\n"
        "Replace the placeholder decision numbers with the real ones. Events marked\n"
        "`confirmed: false` are communes divided between several new communes: set `confirmed: true`\n"
        "or change `into` (and use `children_to` for single cells) before `chibo restructure apply`.\n"
        f"{len(flagged)} divided communes to confirm."
    )
    return Plan2025(
        key=key, province=current.code, province_name=current.name, legacy_provinces=legacy_codes,
        data=data, text=plan_dump(data, header), counts=dict(counts), flagged=flagged, warnings=warnings,
    )
