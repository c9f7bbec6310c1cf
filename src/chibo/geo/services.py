"""Loading Vietnam's administrative units from the `vietnamadminunits` data package.

The package ships a SQLite dataset (both editions) and a JSON mapping from legacy to current
units. We read those files directly; loading is idempotent (natural keys), so loading twice
changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from django.db import transaction

from chibo.core.audit import audit_log
from chibo.core.text import fold

from .models import REFORM_DATE, AdminUnit, AdminUnitSuccession, Edition, Level

Progress = Callable[[str], None]


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    successions_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()) + self.successions_created)


def _dataset() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    data_dir = files("vietnamadminunits") / "data"
    with sqlite3.connect(str(data_dir / "dataset.db")) as conn:
        conn.row_factory = sqlite3.Row
        legacy = [dict(r) for r in conn.execute("SELECT * FROM admin_units_legacy")]
        current = [dict(r) for r in conn.execute("SELECT * FROM admin_units")]
    mapping = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    return legacy, current, mapping


_FIELDS = ("name", "short_name", "unit_type", "parent_id", "key", "search_key", "valid_from", "valid_to")


def _unit_type(name: str, short: str) -> str:
    return name[: len(name) - len(short)].strip() if name.endswith(short) else ""


def _upsert(
    existing: dict[tuple[str, str, str], AdminUnit],
    result: LoadResult,
    *,
    edition: str,
    level: str,
    code: str,
    name: str,
    short_name: str,
    parent: AdminUnit | None,
    key: str,
) -> AdminUnit:
    values: dict[str, Any] = {
        "name": name,
        "short_name": short_name,
        "unit_type": _unit_type(name, short_name),
        "parent_id": parent.pk if parent else None,
        "key": key,
        "search_key": fold(short_name),
        "valid_from": None if edition == Edition.LEGACY else REFORM_DATE,
        "valid_to": REFORM_DATE if edition == Edition.LEGACY else None,
    }
    label = f"{edition}.{level}"
    unit = existing.get((edition, level, code))
    if unit is None:
        unit = AdminUnit.objects.create(edition=edition, level=level, code=code, **values)
        existing[(edition, level, code)] = unit
        result.created[label] = result.created.get(label, 0) + 1
    elif any(getattr(unit, f) != values[f] for f in _FIELDS):
        for f in _FIELDS:
            setattr(unit, f, values[f])
        unit.save(update_fields=[f for f in _FIELDS])
        result.updated[label] = result.updated.get(label, 0) + 1
    return unit


@transaction.atomic
def geo_load(*, actor: Any = None, progress: Progress | None = None) -> LoadResult:
    say = progress or (lambda _msg: None)
    legacy, current, mapping = _dataset()
    result = LoadResult()
    existing = {(u.edition, u.level, u.code): u for u in AdminUnit.objects.all()}
    by_key: dict[tuple[str, str], AdminUnit] = {}

    say("legacy edition")
    for row in legacy:
        prov = _upsert(
            existing, result, edition=Edition.LEGACY, level=Level.PROVINCE,
            code=row["provinceCode"], name=row["province"], short_name=row["provinceShort"],
            parent=None, key=row["provinceKey"],
        )
        dist = _upsert(
            existing, result, edition=Edition.LEGACY, level=Level.DISTRICT,
            code=row["districtCode"], name=row["district"], short_name=row["districtShort"],
            parent=prov, key=row["districtKey"],
        )
        if row["wardCode"]:
            ward = _upsert(
                existing, result, edition=Edition.LEGACY, level=Level.COMMUNE,
                code=row["wardCode"], name=row["ward"], short_name=row["wardShort"],
                parent=dist, key=row["wardKey"],
            )
        else:
            # An island district without communes acts as its own commune-level unit.
            ward = _upsert(
                existing, result, edition=Edition.LEGACY, level=Level.COMMUNE,
                code=row["districtCode"], name=row["district"], short_name=row["districtShort"],
                parent=dist, key=row["districtKey"],
            )
        full_key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}".rstrip("_")
        by_key[("legacy", full_key)] = ward

    say("current edition")
    for row in current:
        prov = _upsert(
            existing, result, edition=Edition.CURRENT, level=Level.PROVINCE,
            code=row["provinceCode"], name=row["province"], short_name=row["provinceShort"],
            parent=None, key=row["provinceKey"],
        )
        ward = _upsert(
            existing, result, edition=Edition.CURRENT, level=Level.COMMUNE,
            code=row["wardCode"], name=row["ward"], short_name=row["wardShort"],
            parent=prov, key=row["wardKey"],
        )
        by_key[("current", f"{row['provinceKey']}_{row['wardKey']}")] = ward

    say("mapping between editions")
    have = set(AdminUnitSuccession.objects.values_list("legacy_id", "current_id"))
    new_links: dict[tuple[int, int], AdminUnitSuccession] = {}

    def link(old: AdminUnit | None, new: AdminUnit | None, divided: bool, default: bool) -> None:
        if old is None or new is None or (old.pk, new.pk) in have or (old.pk, new.pk) in new_links:
            return
        new_links[(old.pk, new.pk)] = AdminUnitSuccession(
            legacy=old, current=new, divided=divided, is_default=default
        )

    for prov_key, wards in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, olds in wards.items():
            new = by_key.get(("current", f"{prov_key}_{ward_key}"))
            for old_key in olds:
                link(by_key.get(("legacy", old_key)), new, False, True)
    for prov_key, olds in mapping["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            for t in targets:
                new = by_key.get(("current", f"{prov_key}_{t['newWardKey']}"))
                link(by_key.get(("legacy", old_key)), new, True, bool(t["isDefaultNewWard"]))
    AdminUnitSuccession.objects.bulk_create(new_links.values(), batch_size=500)
    result.successions_created = len(new_links)
    if result.changed:
        audit_log(
            actor=actor,
            action="geo.load",
            target_type="geo.adminunit",
            target_id="*",
            after={"created": result.created, "updated": result.updated,
                   "successions_created": result.successions_created},
            reason="vietnamadminunits",
        )
    return result
