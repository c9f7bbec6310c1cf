"""The evaluation app's indicators (found by the reports app at start-up, as admin.py is).

Over a period, the round of the period's last year that covers the node (the one opened nearest
above it; the tree as it stood in that round): the share of cell secretaries, of members and of
organizations rated "completed tasks well" or better among those rated, and the share of
organizations that completed their tasks (seeds 000 and 003). The records behind each number are
the assessments, through this app's selectors.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.validtime import valid_on_q
from chibo.orgs.models import OrgVersion
from chibo.reports.registry import (
    AS_OF,
    COUNT,
    PERIOD,
    SHARE,
    Column,
    Indicator,
    Listing,
    Question,
    register,
)

from . import selectors
from .models import Assessment, Level, Participation, Programme, State

COLUMNS = (
    Column(_("Member"), lambda a: a.member.full_name if a.member_id else ""),
    Column(_("Organization"), lambda a: a.org.code),
    Column(_("Rating"), lambda a: a.get_decided_level_display()),
)
GOOD_OR_BETTER = (Level.EXCELLENT, Level.GOOD)
COMPLETED = (Level.EXCELLENT, Level.GOOD, Level.COMPLETED)


def _in_round(q: Question, of: str) -> QuerySet[Assessment]:
    """The assessments of `of` under the node in the round of the period's last year that covers it."""
    assert q.end is not None
    if q.org is None:
        return Assessment.objects.none()
    found = selectors.round_for(user=q.user, org=q.org, year=q.end.year)
    if found is None:
        return Assessment.objects.none()
    return selectors.records(user=q.user, rnd=found[0], path=found[1], of=of, key="")


def _rated(q: Question, of: str, levels: tuple[str, ...] | None = None) -> QuerySet[Assessment]:
    qs = _in_round(q, of).filter(state=State.DECIDED)
    if levels is not None:
        qs = qs.filter(decided_level__in=levels)
    return qs


def _disciplined(q: Question) -> QuerySet[Assessment]:
    """The members rated in the year's round who were disciplined in the rated year."""
    return _in_round(q, "members").filter(disciplined_in_year=True)


def _indicator(key: str, name: Any, definition: Any, of: str, levels: tuple[str, ...], order: int) -> Indicator:
    logged = of != "organizations"
    return Indicator(
        key=key, name=name, definition=definition, unit=SHARE, kind=PERIOD, app="evaluation", group="evaluation",
        order=order,
        numerator=Listing(records=lambda q: _rated(q, of, levels), columns=COLUMNS, label=_("Rated"), logged=logged),
        denominator=Listing(records=lambda q: _rated(q, of), columns=COLUMNS, label=_("Rated"), logged=logged),
    )


UNIT_COLUMNS = (Column(_("Code"), lambda v: v.org.code), Column(_("Name"), lambda v: v.name))
PLEDGE_COLUMNS = (
    Column(_("Code"), lambda p: p.org.code),
    Column(_("Programme"), lambda p: p.programme.name),
    Column(_("Pledge signed on"), lambda p: p.pledge_signed_on),
    Column(_("Document"), lambda p: p.pledge_document),
)


def _owners(q: Question) -> list[int]:
    """The programmes' organizations under the node (on the date), running in that year."""
    on = q.on
    owners = list(selectors.programmes(user=q.user).filter(start_year__lte=on.year, end_year__gte=on.year)
                  .values_list("owner_id", flat=True))
    if q.org is None:
        return owners
    root = q.org.version_on(on)
    if root is None:
        return []
    return list(OrgVersion.objects.filter(valid_on_q(on), org_id__in=owners).filter(any_subtree_q([root.path]))
                .values_list("org_id", flat=True))


def _units(q: Question, cells: bool) -> QuerySet[OrgVersion]:
    qs = OrgVersion.objects.filter(valid_on_q(q.on), parent_id__in=_owners(q)).exclude(kind__key="party_group")
    if cells:
        qs = qs.filter(kind__is_cell=True)
    return qs.select_related("org").order_by("path")


def _pledged(q: Question, cells: bool) -> QuerySet[Participation]:
    units = _units(q, cells).values("org_id")
    return (Participation.objects.restrict(q.user, selectors.VIEW)
            .filter(programme__in=Programme.objects.filter(owner_id__in=_owners(q)), org_id__in=units,
                    pledge_signed_on__lte=q.on)
            .select_related("org", "programme").order_by("org__code"))


def _pledge_indicator(key: str, name: Any, definition: Any, cells: bool, order: int) -> Indicator:
    return Indicator(
        key=key, name=name, definition=definition, unit=SHARE, kind=AS_OF, app="evaluation", group="emulation",
        order=order,
        numerator=Listing(records=lambda q: _pledged(q, cells), columns=PLEDGE_COLUMNS, label=_("Pledges")),
        denominator=Listing(records=lambda q: _units(q, cells), columns=UNIT_COLUMNS, label=_("Units")),
    )


register(
    _pledge_indicator("evaluation.cells_pledged", _("Cells that signed the emulation pledge"),
                      _("Share of the party cells directly under the organizations running an emulation programme "
                        "(under the node, on the date) that had signed their pledge."), True, 50),
    _pledge_indicator("evaluation.units_committed", _("Units that signed the emulation commitment"),
                      _("Share of the units directly under the organizations running an emulation programme "
                        "(under the node, on the date) that had signed their commitment."), False, 60),
    _indicator("evaluation.secretaries_rated_well", _("Cell secretaries rated good or better"),
               _("Share of the cell secretaries rated “completed tasks well” or better, among those rated in the "
                 "year's round."), "secretaries", GOOD_OR_BETTER, 10),
    _indicator("evaluation.members_rated_well", _("Members rated good or better"),
               _("Share of the members rated “completed tasks well” or better, among those rated in the year's "
                 "round."), "members", GOOD_OR_BETTER, 20),
    _indicator("evaluation.organizations_good_or_better", _("Organizations rated good or better"),
               _("Share of the organizations under the node rated “completed tasks well” or better in the year's "
                 "round."), "organizations", GOOD_OR_BETTER, 30),
    Indicator(
        key="evaluation.members_disciplined", name=_("Members disciplined in the year"),
        definition=_("Members under the node recorded in the year's round as disciplined in the rated year "
                     "(a violation of the party's rules that was dealt with)."),
        unit=COUNT, kind=PERIOD, app="evaluation", group="evaluation", order=50,
        numerator=Listing(records=_disciplined, columns=COLUMNS, label=_("Disciplined"), logged=True),
    ),
    _indicator("evaluation.organizations_completed", _("Organizations that completed their tasks"),
               _("Share of the organizations under the node rated “completed tasks” or better in the year's "
                 "round."), "organizations", COMPLETED, 40),
)
