"""The seed figures (glossary §2) side by side with what Chibo computes from the records.

Each figure the demo can hold names the indicator, the node (by code), the date or period and
the seed's value; a figure measured against a target ("3.2% or more, exceeded every year") is
`equal` when the computed value reaches the target. Figures whose capability is not built yet
are listed as `waiting`, with the capability they wait for; when that capability registers the
indicator the figure names, the figure is computed (no change here needed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .compute import compute, question
from .registry import UnknownIndicator, get

EQUAL, DIFFERS, WAITING = "equal", "differs", "waiting"
QN, TQ, HT = "22", "08", "42"
HT_MILITARY = "42-KQS"  # the provincial military party committee of Hà Tĩnh (the demo's code)
D = dt.date


@dataclass(frozen=True)
class SeedFigure:
    seed: str
    figure: str  # what the seed says, in English (the glossary's words)
    expected: float | int
    indicator: str | None = None
    under: str | None = None
    as_of: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    at_least: bool = False  # the seed gives a floor ("3.2% or more"), not a value
    waits_for: str = ""  # the capability that will compute it


def _qn_term(figure: str, expected: int, indicator: str, on: dt.date) -> SeedFigure:
    return SeedFigure("002", figure, expected, indicator, QN, as_of=on)


# the yearly admission figures, one catalogue string each
_QN_ADMISSIONS: dict[int, str] = {
    # xgettext:no-python-format
    2020: gettext_noop("Quảng Ninh, 2020: admissions of at least 3.2% of the members (target exceeded)"),
    # xgettext:no-python-format
    2021: gettext_noop("Quảng Ninh, 2021: admissions of at least 3.2% of the members (target exceeded)"),
    # xgettext:no-python-format
    2022: gettext_noop("Quảng Ninh, 2022: admissions of at least 3.2% of the members (target exceeded)"),
    # xgettext:no-python-format
    2023: gettext_noop("Quảng Ninh, 2023: admissions of at least 3.2% of the members (target exceeded)"),
}

FIGURES: list[SeedFigure] = [
    _qn_term(
        gettext_noop("Quảng Ninh, early 2020: grassroots party organizations"),
        725,
        "orgs.grassroots",
        D(2020, 1, 1),
    ),
    _qn_term(
        gettext_noop("Quảng Ninh, early 2020: component party committees"), 31, "orgs.components", D(2020, 1, 1)
    ),
    _qn_term(
        gettext_noop("Quảng Ninh, early 2020: party cells under grassroots committees"),
        4925,
        "orgs.party_cells",
        D(2020, 1, 1),
    ),
    _qn_term(
        gettext_noop("Quảng Ninh, mid-2024: grassroots party organizations"),
        674,
        "orgs.grassroots",
        D(2024, 6, 30),
    ),
    _qn_term(
        gettext_noop("Quảng Ninh, mid-2024: component party committees"), 39, "orgs.components", D(2024, 6, 30)
    ),
    _qn_term(
        gettext_noop("Quảng Ninh, mid-2024: party cells under grassroots committees"),
        4821,
        "orgs.party_cells",
        D(2024, 6, 30),
    ),
    SeedFigure(
        "002",
        gettext_noop("Quảng Ninh, early 2020 – June 2024: students admitted to the party"),
        283,
        "members.admitted_students",
        QN,
        start=D(2020, 1, 1),
        end=D(2024, 6, 30),
    ),
    SeedFigure(
        "002",
        gettext_noop("Quảng Ninh, early 2020 – June 2024: members admitted in private enterprises"),
        1061,
        "members.admitted_private",
        QN,
        start=D(2020, 1, 1),
        end=D(2024, 6, 30),
    ),
    SeedFigure(
        "002",
        gettext_noop("Quảng Ninh, 2021–2023: members removed from the party"),
        770,
        "members.left",
        QN,
        start=D(2021, 1, 1),
        end=D(2023, 12, 31),
    ),
    *[
        SeedFigure(
            "002",
            _QN_ADMISSIONS[year],
            3.2,
            "members.admission_rate",
            QN,
            start=D(year, 1, 1),
            end=D(year, 12, 31),
            at_least=True,
        )
        for year in (2020, 2021, 2022, 2023)
    ],
    SeedFigure(
        "reform-2025",
        gettext_noop("Quảng Ninh, 30 June 2025: district-level party committees before the reform"),
        13,
        "orgs.district_committees",
        QN,
        as_of=D(2025, 6, 30),
    ),
    SeedFigure(
        "reform-2025",
        gettext_noop("Quảng Ninh, 1 July 2025: district-level party committees after the reform"),
        0,
        "orgs.district_committees",
        QN,
        as_of=D(2025, 7, 1),
    ),
    SeedFigure(
        "reform-2025",
        gettext_noop("Quảng Ninh, 1 July 2025: commune-level party committees (54 communes, wards, "
        "special zones)"),
        54,
        "orgs.commune_committees",
        QN,
        as_of=D(2025, 7, 1),
    ),
    SeedFigure(
        "reform-2025",
        gettext_noop("Quảng Ninh, 30 June 2025 (the day before the reform): grassroots party organizations"),
        674,
        "orgs.grassroots",
        QN,
        as_of=D(2025, 6, 30),
    ),
    # --- waiting for a capability that is not built yet ------------------------------------------
    SeedFigure(
        "000",
        gettext_noop("Tuyên Quang, 2024: party cell secretaries rated “completed tasks well” or higher (%)"),
        96.3,
        "evaluation.secretaries_rated_well",
        TQ,
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        waits_for=gettext_noop("evaluation"),
    ),
    SeedFigure(
        "000",
        gettext_noop("Tuyên Quang, early 2025: party cell secretaries with a university degree (over 35%)"),
        35,
        "cadres.secretaries_with_degree",
        TQ,
        as_of=D(2025, 1, 1),
        at_least=True,
        waits_for=gettext_noop("cadres"),
    ),
    SeedFigure(
        "000",
        gettext_noop("Tuyên Quang, early 2025: secretaries with elementary political theory or higher (~50%)"),
        50,
        "cadres.secretaries_with_theory",
        TQ,
        as_of=D(2025, 1, 1),
        waits_for=gettext_noop("cadres"),
    ),
    SeedFigure(
        "000",
        gettext_noop("Tuyên Quang, 2020–2025: training courses on party-work skills"),
        126,
        "cadres.training_courses",
        TQ,
        start=D(2020, 1, 1),
        end=D(2025, 12, 31),  # the term 2020–2025, of the province as merged in 2025 (demo)
        waits_for=gettext_noop("cadres"),
    ),
    SeedFigure(
        "000",
        gettext_noop("Tuyên Quang, 2020–2025: secretaries and deputy secretaries trained (more than 6,280)"),
        6280,
        "cadres.secretaries_trained",
        TQ,
        start=D(2020, 1, 1),
        end=D(2025, 12, 31),
        at_least=True,
        waits_for=gettext_noop("cadres"),
    ),
    SeedFigure(
        "002",
        gettext_noop("Quảng Ninh, 2020 – mid-2024: commune-level administrative units removed"),
        9,
        "restructuring.communes_merged",
        QN,
        start=D(2020, 1, 1),
        end=D(2024, 6, 30),
        waits_for=gettext_noop("restructuring (administrative-unit indicators)"),
    ),
    SeedFigure(
        "002",
        gettext_noop("Quảng Ninh, 2020 – mid-2024: villages, hamlets and neighbourhoods merged"),
        48,
        "restructuring.villages_merged",
        QN,
        start=D(2020, 1, 1),
        end=D(2024, 6, 30),
        waits_for=gettext_noop("restructuring (administrative-unit indicators)"),
    ),
    SeedFigure(
        "002",
        gettext_noop("Quảng Ninh, term 2020–2025: border and island communes with border-guard deputy "
        "secretaries"),
        24,
        "cadres.border_guard_deputies",
        QN,
        as_of=D(2024, 6, 30),
        waits_for=gettext_noop("cadres"),
    ),
    SeedFigure(
        "002",
        gettext_noop("Quảng Ninh: coal-industry cells whose secretary is also the manager (%)"),
        91.7,
        "cadres.coal_secretaries_managers",
        "22-KTQN",  # the coal industry's party committee (Đảng bộ Than Quảng Ninh)
        as_of=D(2024, 6, 30),
        waits_for=gettext_noop("cadres"),
    ),
    SeedFigure(
        "002",
        gettext_noop("Quảng Ninh: village cell secretaries who are also village heads (%)"),
        100,
        "cadres.secretaries_village_heads",
        QN,
        as_of=D(2024, 6, 30),
        waits_for=gettext_noop("cadres"),
    ),
    SeedFigure(
        "003",
        gettext_noop("Hà Tĩnh (Cẩm Vịnh commune): party cells that signed “4 good” pledges (10 of 10)"),
        100,
        "evaluation.cells_pledged",
        HT,
        as_of=D(2024, 2, 14),
        waits_for=gettext_noop("evaluation"),
    ),
    SeedFigure(
        "003",
        gettext_noop("Hà Tĩnh (Đức Thọ district): units that signed commitments (34 of 34)"),
        100,
        "evaluation.units_committed",
        HT,
        as_of=D(2024, 2, 14),
        waits_for=gettext_noop("evaluation"),
    ),
    SeedFigure(
        "003",
        gettext_noop("Hà Tĩnh (Provincial Military Party Committee), 2023: party organizations that completed their "
        "tasks (100%)"),
        100,
        "evaluation.organizations_completed",
        HT_MILITARY,
        start=D(2023, 1, 1),
        end=D(2023, 12, 31),
        waits_for=gettext_noop("evaluation"),
    ),
    SeedFigure(
        "003",
        gettext_noop("Hà Tĩnh (Provincial Military Party Committee), 2023: party organizations that completed their "
        "tasks well (97%)"),
        97,
        "evaluation.organizations_good_or_better",
        HT_MILITARY,
        start=D(2023, 1, 1),
        end=D(2023, 12, 31),
        waits_for=gettext_noop("evaluation"),
    ),
    SeedFigure(
        "003",
        gettext_noop("Hà Tĩnh (Provincial Military Party Committee), 2023: members disciplined (no violation)"),
        0,
        "evaluation.members_disciplined",
        HT_MILITARY,
        start=D(2023, 1, 1),
        end=D(2023, 12, 31),
        waits_for="evaluation",
    ),
    SeedFigure(
        "003",
        gettext_noop("Hà Tĩnh (Provincial Military Party Committee): members who completed tasks well "
        "(over 90%)"),
        90,
        "evaluation.members_rated_well",
        HT_MILITARY,
        start=D(2023, 1, 1),
        end=D(2023, 12, 31),
        at_least=True,
        waits_for=gettext_noop("evaluation"),
    ),
    SeedFigure(
        "004",
        gettext_noop("Nghệ An, 3–4 Aug 2023: dialogue program of the Standing Committee with commune heads"),
        1,
        "supervision.dialogue_programs",
        "40",
        start=D(2023, 8, 3),
        end=D(2023, 8, 4),
        waits_for=gettext_noop("supervision"),
    ),
    SeedFigure(
        "004",
        gettext_noop("Nghệ An, 2023: key tasks the Standing Committee's conclusions set after the dialogue"),
        6,
        "supervision.dialogue_key_tasks",
        "40",
        start=D(2023, 8, 3),
        end=D(2023, 12, 31),
        waits_for=gettext_noop("supervision"),
    ),
    SeedFigure(
        "003",
        gettext_noop("Hà Tĩnh (Tâm Đồng village): thematic cell meetings held after six months"),
        6,
        "meetings.thematic_meetings",
        "42-18691-01",  # the Tâm Đồng village cell of Cẩm Vịnh commune
        start=D(2022, 5, 1),
        end=D(2022, 10, 31),
        waits_for=gettext_noop("meetings"),
    ),
]


def _decimals(expected: float | int) -> int:
    """The precision the seed gives its figure in (91.7% → 1, 35% → 0)."""
    text = repr(expected)
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _status(fig: SeedFigure, value: float | int | None) -> str:
    """Equal when the computed value, rounded as the seed rounds its figure, is the figure (or,
    for a floor, reaches it)."""
    if value is None:
        return DIFFERS
    if fig.at_least:
        return EQUAL if float(value) >= float(fig.expected) else DIFFERS
    rounded = round(float(value), _decimals(fig.expected))
    return EQUAL if abs(rounded - float(fig.expected)) < 1e-9 else DIFFERS


def seed_rows(*, user: Any) -> list[dict[str, Any]]:
    """Every figure with the value computed from the records (as `user` may see them)."""
    from chibo.orgs.models import Organization

    rows: list[dict[str, Any]] = []
    for fig in FIGURES:
        row: dict[str, Any] = {
            "seed": fig.seed,
            "figure": fig.figure,
            "expected": fig.expected,
            "computed": None,
            "status": WAITING,
            "waits_for": fig.waits_for or None,
            "indicator": fig.indicator,
            "under": fig.under,
            "as_of": fig.as_of.isoformat() if fig.as_of else None,
            "from": fig.start.isoformat() if fig.start else None,
            "to": fig.end.isoformat() if fig.end else None,
            "at_least": fig.at_least,
        }
        try:
            ind = get(fig.indicator) if fig.indicator else None
        except UnknownIndicator:
            ind = None
        org = Organization.objects.restrict(user, "report.view").filter(code=fig.under).first()
        if ind is None:
            row["waits_for"] = fig.waits_for or str(_("an indicator"))
        elif org is None:
            row["waits_for"] = str(_("the demo data of this province"))
        else:
            result = compute(
                ind,
                question(ind, user=user, org=org, as_of=fig.as_of, start=fig.start, end=fig.end),
            )
            row.update(
                computed=result.value,
                status=_status(fig, result.value),
                waits_for=None,
                numerator=result.numerator,
                denominator=result.denominator,
                target=result.target,
                data_version=result.data_version,
            )
        rows.append(row)
    return rows
