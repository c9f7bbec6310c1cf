"""The kinds of party organization. Kinds and their levels are data (rows of `OrgKind`); these
are the built-in rows, kept present after every migrate. Keys follow the glossary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_noop

PROVINCIAL = "provincial_party_committee"
DISTRICT = "district_party_committee"
COMMUNE_LEVEL = "commune_level_party_committee"
AGENCY_BLOC = "agency_bloc_party_committee"
GRASSROOTS_COMMITTEE = "grassroots_party_committee"
GRASSROOTS_CELL = "grassroots_party_cell"
COMPONENT = "component_party_committee"
PARTY_CELL = "party_cell"
PARTY_GROUP = "party_group"
GRASSROOTS_ORGANIZATION = "grassroots_party_organization"  # the sum of the two grassroots kinds

_UPPER = [PROVINCIAL, DISTRICT, COMMUNE_LEVEL, AGENCY_BLOC]

BUILTIN_KINDS: list[dict[str, Any]] = [
    {"key": PROVINCIAL, "name": gettext_noop("Provincial party committee"), "rank": 10,
     "parent_kinds": [], "may_be_root": True},
    {"key": DISTRICT, "name": gettext_noop("District party committee"), "rank": 20,
     "parent_kinds": [PROVINCIAL], "valid_to": dt.date(2025, 7, 1)},
    {"key": AGENCY_BLOC, "name": gettext_noop("Agency bloc party committee"), "rank": 20,
     "parent_kinds": [PROVINCIAL]},
    {"key": COMMUNE_LEVEL, "name": gettext_noop("Commune-level party committee"), "rank": 30,
     "parent_kinds": [PROVINCIAL], "valid_from": dt.date(2025, 7, 1)},
    {"key": GRASSROOTS_COMMITTEE, "name": gettext_noop("Grassroots party committee"), "rank": 40,
     "parent_kinds": _UPPER, "is_grassroots": True},
    {"key": GRASSROOTS_CELL, "name": gettext_noop("Grassroots party cell"), "rank": 40,
     "parent_kinds": _UPPER, "is_grassroots": True, "is_cell": True},
    {"key": COMPONENT, "name": gettext_noop("Component party committee"), "rank": 50,
     "parent_kinds": [GRASSROOTS_COMMITTEE]},
    {"key": PARTY_CELL, "name": gettext_noop("Party cell"), "rank": 60,
     "parent_kinds": [GRASSROOTS_COMMITTEE, COMPONENT], "is_cell": True},
    {"key": PARTY_GROUP, "name": gettext_noop("Party group"), "rank": 70,
     "parent_kinds": [GRASSROOTS_CELL, PARTY_CELL], "is_cell": True},
]


def ensure_kinds(**kwargs: Any) -> None:
    from .models import OrgKind

    for spec in BUILTIN_KINDS:
        OrgKind.objects.get_or_create(
            key=spec["key"],
            defaults={
                "name": spec["name"],
                "rank": spec["rank"],
                "parent_kinds": spec["parent_kinds"],
                "may_be_root": spec.get("may_be_root", False),
                "is_grassroots": spec.get("is_grassroots", False),
                "is_cell": spec.get("is_cell", False),
                "valid_from": spec.get("valid_from"),
                "valid_to": spec.get("valid_to"),
            },
        )
