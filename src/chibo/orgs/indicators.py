"""The organization tree's indicators (found by the reports app at start-up, as admin.py is).

Counts of organizations by kind under a node on a date, and the structural changes over a
period, computed through this app's selectors (`org_counts`, `org_changes`, `versions`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import SEGMENT_WIDTH, subtree_q
from chibo.core.validtime import valid_on_q
from chibo.reports.registry import (
    AS_OF,
    COUNT,
    PERIOD,
    Column,
    Indicator,
    Listing,
    Question,
    register,
)

from . import kinds as K
from . import selectors
from .models import EventType, OrgEvent, OrgVersion

GRASSROOTS_KINDS = (K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL)

VERSION_COLUMNS = (
    Column(_("Code"), lambda v: v.org.code),
    Column(_("Name"), lambda v: v.name),
    Column(_("Kind"), lambda v: v.kind.label),
    Column(_("Parent"), lambda v: v.parent.code if v.parent_id else ""),
)
EVENT_COLUMNS = (
    Column(_("Date"), lambda e: e.on),
    Column(_("Change"), lambda e: e.get_type_display()),
    Column(_("Decision"), lambda e: e.decision.number if e.decision_id else ""),
    Column(_("Organizations"), lambda e: ", ".join(link.org.code for link in e.links.all())),
)


def _under_on(q: Question, kinds: tuple[str, ...] | None) -> QuerySet[OrgVersion]:
    """The organizations under the node (not itself) on the date, of these kinds, in scope."""
    qs = selectors.versions(user=q.user).filter(valid_on_q(q.on))
    if q.org is not None:
        root = q.org.version_on(q.on)
        if root is None:
            return qs.none()
        qs = qs.filter(subtree_q(root.path, include_self=False))
    if kinds is not None:
        qs = qs.filter(kind__key__in=kinds)
    return qs.select_related("org", "kind", "parent").order_by("path")


def _counter(kinds: tuple[str, ...] | None, key: str) -> Any:
    def count(q: Question) -> int:
        counts = selectors.org_counts(user=q.user, org=q.org, on=q.on)
        if kinds is None:
            return sum(n for k, n in counts.items() if k != K.GRASSROOTS_ORGANIZATION)
        return counts.get(key, 0)

    return count


def _by_child(kinds: tuple[str, ...] | None) -> Any:
    def by_child(q: Question) -> dict[str, int]:
        """Organizations of these kinds under each organization directly under the node (not
        counting the child itself), in one query of paths."""
        if q.org is None:
            return {}
        root = q.org.version_on(q.on)
        if root is None:
            return {}
        width = len(root.path) + SEGMENT_WIDTH
        children = {
            v.path: v.org.code for v in selectors.org_children(user=q.user, org=q.org, on=q.on)
        }
        out = dict.fromkeys(children.values(), 0)
        for path in _under_on(q, kinds).values_list("path", flat=True):
            code = children.get(path[:width])
            if code is not None and len(path) > width:
                out[code] += 1
        return out

    return by_child


def _orgs(
    key: str,
    name: Any,
    definition: Any,
    kinds: tuple[str, ...] | None,
    count_key: str,
    order: int,
    tags: tuple[str, ...] = (),
) -> Indicator:
    return Indicator(
        key=key,
        name=name,
        definition=definition,
        unit=COUNT,
        kind=AS_OF,
        app="orgs",
        group="orgs",
        order=order,
        tags=tags,
        by_child=_by_child(kinds),
        numerator=Listing(
            records=lambda q: _under_on(q, kinds),
            columns=VERSION_COLUMNS,
            count=_counter(kinds, count_key),
            label=_("Organizations"),
        ),
    )


def _changes(q: Question, types: tuple[str, ...] | None) -> QuerySet[OrgEvent]:
    if q.org is None:
        visible = selectors.versions(user=q.user).values("org_id")
        qs = OrgEvent.objects.filter(links__org_id__in=visible).distinct()
        qs = qs.filter(on__gte=q.start, on__lte=q.end).order_by("-on", "-id")
    else:
        qs = selectors.org_changes(user=q.user, org=q.org, start=q.start, end=q.end)
    if types is not None:
        qs = qs.filter(type__in=types)
    return qs.select_related("decision").prefetch_related("links__org")


register(
    _orgs(
        "orgs.all",
        _("Organizations"),
        _("Every party organization under the node (not the node itself) on the date."),
        None,
        "",
        10,
        ("dashboard",),
    ),
    _orgs(
        "orgs.grassroots",
        _("Grassroots party organizations"),
        _("Grassroots party committees and grassroots party cells under the node on the date."),
        GRASSROOTS_KINDS,
        K.GRASSROOTS_ORGANIZATION,
        20,
        ("dashboard", "trend"),
    ),
    _orgs(
        "orgs.grassroots_committees",
        _("Grassroots party committees"),
        _("Grassroots party committees under the node on the date."),
        (K.GRASSROOTS_COMMITTEE,),
        K.GRASSROOTS_COMMITTEE,
        21,
    ),
    _orgs(
        "orgs.grassroots_cells",
        _("Grassroots party cells"),
        _("Party cells that are grassroots organizations, under the node on the date."),
        (K.GRASSROOTS_CELL,),
        K.GRASSROOTS_CELL,
        22,
    ),
    _orgs(
        "orgs.components",
        _("Component party committees"),
        _(
            "Component party committees (under grassroots party committees) under the node on the date."
        ),
        (K.COMPONENT,),
        K.COMPONENT,
        30,
        ("dashboard",),
    ),
    _orgs(
        "orgs.party_cells",
        _("Party cells under grassroots committees"),
        _(
            "Party cells under grassroots party committees or their components, under the node on the date."
        ),
        (K.PARTY_CELL,),
        K.PARTY_CELL,
        40,
        ("dashboard", "trend"),
    ),
    _orgs(
        "orgs.district_committees",
        _("District-level party committees"),
        _("District-level party committees under the node on the date (abolished on 1 July 2025)."),
        (K.DISTRICT,),
        K.DISTRICT,
        50,
        ("dashboard",),
    ),
    _orgs(
        "orgs.commune_committees",
        _("Commune-level party committees"),
        _("Commune-level party committees (from 1 July 2025) under the node on the date."),
        (K.COMMUNE_LEVEL,),
        K.COMMUNE_LEVEL,
        60,
        ("dashboard",),
    ),
    Indicator(
        key="orgs.changes",
        name=_("Structural changes"),
        unit=COUNT,
        kind=PERIOD,
        app="orgs",
        group="orgs",
        order=70,
        definition=_(
            "Establishments, renames, moves, reclassifications, mergers, splits and dissolutions "
            "of the node or anything under it in the period."
        ),
        numerator=Listing(
            records=lambda q: _changes(q, None), columns=EVENT_COLUMNS, label=_("Changes")
        ),
    ),
    Indicator(
        key="orgs.mergers",
        name=_("Mergers"),
        unit=COUNT,
        kind=PERIOD,
        app="orgs",
        group="orgs",
        order=71,
        definition=_("Mergers of organizations under the node in the period."),
        numerator=Listing(
            records=lambda q: _changes(q, (EventType.MERGE,)),
            columns=EVENT_COLUMNS,
            label=_("Changes"),
        ),
    ),
)
