"""The cadres' indicators (found by the reports app at start-up, as admin.py is).

On a date, under a node: the secretaries of its party cells and, as shares of them, those with a
university degree, with elementary political theory or higher, non-local; the secretaries of
village cells who head their village, of enterprise cells who manage a workshop or division;
the communes with a border-guard officer on their committee and the units watched by committee
members. Over a period: the training courses organized under the node and the secretaries and
deputy secretaries trained in them.

The numbers come from this app's selectors: `cadre_counts` (the counts behind `cadre_summary`,
one statement for every figure on a date, computed once per question), `cadre_training` and, for the records behind them, `secretary_posts`,
`border_guard_communes`, `watched_orgs`, `courses` and `trained_members`, which select the same
rows; the property tests check both agree.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from chibo.reports.registry import (
    AS_OF,
    COUNT,
    PERIOD,
    SHARE,
    Column,
    Indicator,
    Listing,
    Question,
    cached,
    register,
)

from . import selectors

APP = "cadres"

POST_COLUMNS = (
    Column(_("Full name"), lambda p: p.member.full_name),
    Column(_("Party cell"), lambda p: p.org.code),
    Column(_("Position"), lambda p: p.get_position_display()),
    Column(_("Since"), lambda p: p.valid_from),
    Column(_("Decision"), lambda p: p.decision_no),
)
ORG_COLUMNS = (
    Column(_("Code"), lambda o: o.code),
    Column(_("Sector"), lambda o: o.get_sector_display() if o.sector else ""),
)
COURSE_COLUMNS = (
    Column(_("Topic"), lambda c: c.topic),
    Column(_("Kind"), lambda c: c.get_kind_display()),
    Column(_("Starts on"), lambda c: c.starts_on),
    Column(_("Ends on"), lambda c: c.ends_on),
    Column(_("Organizer"), lambda c: c.organizer.code),
)
MEMBER_COLUMNS = (
    Column(_("Full name"), lambda m: m.full_name),
    Column(_("Date of birth"), lambda m: m.birth_date),
)


def _counts(q: Question) -> dict[str, int]:
    """`cadre_counts` on the question's date, once per question (a dashboard asks several)."""
    return cached(  # type: ignore[no-any-return]
        ("cadres.counts", *q.key),
        lambda: selectors.cadre_counts(user=q.user, org=q.org, on=q.on),
    )


def _training(q: Question) -> dict[str, int]:
    assert q.start is not None and q.end is not None
    start, end = q.start, q.end
    return cached(  # type: ignore[no-any-return]
        ("cadres.training", *q.key),
        lambda: selectors.cadre_training(user=q.user, org=q.org, start=start, end=end),
    )


def _trained(q: Question, *, leaders: bool) -> Any:
    assert q.start is not None and q.end is not None
    return selectors.trained_members(
        user=q.user, org=q.org, start=q.start, end=q.end, leaders=leaders
    )


def _group_count(group: str) -> Any:
    return lambda q: _counts(q)[group]


def _posts(group: str, label: Any) -> Listing:
    return Listing(
        records=lambda q: selectors.secretary_posts(user=q.user, org=q.org, on=q.on, group=group),
        columns=POST_COLUMNS,
        count=_group_count(group),
        label=label,
        logged=True,
    )


SECRETARIES = _posts("secretaries", _("Party cell secretaries"))
VILLAGE = _posts("village", _("Secretaries of village and residential-group cells"))
ENTERPRISE = _posts("enterprise", _("Secretaries of enterprise cells"))


def _share(
    key: str,
    group: str,
    name: Any,
    definition: Any,
    label: Any,
    denominator: Listing,
    order: int,
    tags: tuple[str, ...] = (),
) -> Indicator:
    return Indicator(
        key=key,
        name=name,
        definition=definition,
        unit=SHARE,
        kind=AS_OF,
        app=APP,
        group="secretaries",
        order=order,
        tags=tags,
        numerator=_posts(group, label),
        denominator=denominator,
    )


register(
    Indicator(
        key="cadres.secretaries",
        name=_("Party cell secretaries"),
        definition=_(
            "Secretaries of the party cells (party cells and grassroots party cells) under the "
            "node on the date."
        ),
        unit=COUNT,
        kind=AS_OF,
        app=APP,
        group="secretaries",
        order=10,
        tags=("dashboard",),
        numerator=SECRETARIES,
    ),
    _share(
        "cadres.secretaries_with_degree",
        "degree",
        _("Cell secretaries with a university degree"),
        _(
            "Secretaries of the party cells under the node on the date who had obtained a "
            "university degree or higher by then, as a share of all the cells' secretaries."
        ),
        _("Secretaries with a degree"),
        SECRETARIES,
        20,
        ("dashboard",),
    ),
    _share(
        "cadres.secretaries_with_theory",
        "theory",
        _("Cell secretaries with political theory training"),
        _(
            "Secretaries of the party cells under the node on the date who had obtained elementary "
            "political theory or higher by then, as a share of all the cells' secretaries."
        ),
        _("Secretaries with political theory"),
        SECRETARIES,
        21,
        ("dashboard",),
    ),
    _share(
        "cadres.non_local_secretaries",
        "non_local",
        _("Non-local cell secretaries"),
        _(
            "Secretaries of the party cells under the node on the date recorded as non-local "
            "cadres then, as a share of all the cells' secretaries."
        ),
        _("Non-local secretaries"),
        SECRETARIES,
        22,
    ),
    _share(
        "cadres.secretaries_village_heads",
        "village_heads",
        _("Village cell secretaries who are also village heads"),
        _(
            "Of the secretaries of village and residential-group cells under the node on the "
            "date, those who were also heads of a village or residential group then."
        ),
        _("Secretaries who are also village heads"),
        VILLAGE,
        30,
        ("dashboard",),
    ),
    _share(
        "cadres.coal_secretaries_managers",
        "managers",
        _("Enterprise cell secretaries who are also managers"),
        _(
            "Of the secretaries of enterprise cells under the node on the date (under the coal "
            "industry's party committee: its coal-industry cells), those who were also workshop "
            "or division managers then."
        ),
        _("Secretaries who are also managers"),
        ENTERPRISE,
        31,
    ),
    Indicator(
        key="cadres.border_guard_deputies",
        name=_("Communes with a border-guard officer on the committee"),
        definition=_(
            "Organizations under the node (border and island communes) with a border-guard "
            "officer recorded on their party committee on the date."
        ),
        unit=COUNT,
        kind=AS_OF,
        app=APP,
        group="committees",
        order=40,
        numerator=Listing(
            records=lambda q: selectors.border_guard_communes(user=q.user, org=q.org, on=q.on),
            columns=ORG_COLUMNS,
            count=lambda q: _counts(q)["border"],
            label=_("Communes"),
        ),
    ),
    Indicator(
        key="cadres.watched_units",
        name=_("Units watched by committee members"),
        definition=_(
            "Organizations under the node that a committee member was assigned to watch on the "
            "date."
        ),
        unit=COUNT,
        kind=AS_OF,
        app=APP,
        group="committees",
        order=41,
        numerator=Listing(
            records=lambda q: selectors.watched_orgs(user=q.user, org=q.org, on=q.on),
            columns=ORG_COLUMNS,
            count=lambda q: _counts(q)["watched"],
            label=_("Watched units"),
        ),
    ),
    Indicator(
        key="cadres.training_courses",
        name=_("Training courses"),
        definition=_(
            "Training courses started in the period by organizers under the node (or the node)."
        ),
        unit=COUNT,
        kind=PERIOD,
        app=APP,
        group="training",
        order=50,
        tags=("dashboard",),
        numerator=Listing(
            records=lambda q: selectors.courses(
                user=q.user, org=q.org, start=q.start, end=q.end
            ).select_related("organizer"),
            columns=COURSE_COLUMNS,
            count=lambda q: _training(q)["courses"],
            label=_("Courses"),
        ),
    ),
    Indicator(
        key="cadres.people_trained",
        name=_("People trained"),
        definition=_(
            "Distinct people who completed a training course started in the period by an "
            "organizer under the node."
        ),
        unit=COUNT,
        kind=PERIOD,
        app=APP,
        group="training",
        order=51,
        numerator=Listing(
            records=lambda q: _trained(q, leaders=False),
            columns=MEMBER_COLUMNS,
            count=lambda q: _training(q)["trained"],
            label=_("People trained"),
            logged=True,
        ),
    ),
    Indicator(
        key="cadres.secretaries_trained",
        name=_("Secretaries and deputy secretaries trained"),
        definition=_(
            "Distinct people who completed a training course started in the period by an "
            "organizer under the node and who were secretaries or deputy secretaries of an "
            "organization under the node during the period."
        ),
        unit=COUNT,
        kind=PERIOD,
        app=APP,
        group="training",
        order=52,
        tags=("dashboard",),
        numerator=Listing(
            records=lambda q: _trained(q, leaders=True),
            columns=MEMBER_COLUMNS,
            count=lambda q: _training(q)["trained_leaders"],
            label=_("Secretaries and deputy secretaries trained"),
            logged=True,
        ),
    ),
)
