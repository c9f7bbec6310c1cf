"""A node's report: the figures that matter for its level over a period, as tables (every number
links to the records behind it) and charts (trend over the years, the distribution of members by
status, the comparison of its children), for the dashboard page, the printable periodic report,
its PDF and its spreadsheet. Charts are server-side SVG (pygal, shipped as a Python package, no
script and nothing from another origin), embedded as images, each with its data table; in a
right-to-left language the axes run right to left."""

from __future__ import annotations

import base64
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

import pygal
from django.utils import translation
from django.utils.translation import gettext as _
from pygal.style import Style

from chibo.orgs.models import Organization
from chibo.orgs.selectors import org_children

from .compute import Result, compute, data_version, question, remember
from .registry import AS_OF, COUNT, Indicator, all_indicators, get, memo
from .views_common import query_string

TREND_KEYS = ("members.total", "orgs.grassroots", "orgs.party_cells")
STATUS_KEYS = ("members.probationary", "members.official", "members.exempt")
CHILD_KEYS = ("members.total", "orgs.grassroots")
TREND_YEARS = 6
MAX_CHART_CHILDREN = 20
PERIODS = ("month", "quarter", "half", "year")

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#111",
    foreground_subtle="#666",
    colors=("#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a"),
    font_family="sans-serif",
)


@dataclass(frozen=True)
class Num:
    """A number in a table, with the query string of the records behind it."""

    value: Any
    qs: str = ""
    unit: str = COUNT

    def __str__(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value} %" if self.unit != COUNT else str(self.value)


@dataclass
class ReportTable:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Chart:
    key: str
    title: str
    svg: str
    table: ReportTable

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode(
            "ascii"
        )


@dataclass
class NodeReport:
    org: Organization
    name: str
    start: dt.date
    end: dt.date
    tables: list[ReportTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    data_version: str = "0"


def period_bounds(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """The first and last day of a month, quarter, half year or year."""
    if kind == "year":
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    months = {"month": 1, "quarter": 3, "half": 6}[kind]
    first_month = (number - 1) * months + 1
    start = dt.date(year, first_month, 1)
    last_month = first_month + months
    end = (
        dt.date(year + 1, 1, 1) if last_month > 12 else dt.date(year, last_month, 1)
    ) - dt.timedelta(days=1)
    return start, end


def _num(result: Result) -> Num:
    from .registry import NUMERATOR

    return Num(
        result.value,
        query_string(result.question, result.indicator, part=NUMERATOR),
        result.indicator.unit,
    )


def _chart_svg(chart: Any) -> str:
    return str(chart.render(is_unicode=True))


def _config(title: str) -> dict[str, Any]:
    # no script (the strict CSP allows none inline and nothing from elsewhere): static SVG
    return {
        "title": title,
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 720,
        "height": 360,
        "legend_at_bottom": True,
        "print_values": False,
        "explicit_size": False,
    }


def build(
    *, user: Any, org: Organization, start: dt.date, end: dt.date, both_ends: bool = True
) -> NodeReport:
    """The report of `org` over [start, end]; `both_ends`: the as-of figures on both days (the
    periodic report), else on the end only (the dashboard)."""
    version = data_version()
    parts = ("report", org.pk, start, end, both_ends, translation.get_language())
    with memo():
        report: NodeReport = remember(
            parts,
            user,
            version,
            functools.partial(
                _build,
                user=user,
                org=org,
                start=start,
                end=end,
                both_ends=both_ends,
                version=version,
            ),
        )
    return report


def _build(
    *, user: Any, org: Organization, start: dt.date, end: dt.date, both_ends: bool, version: str
) -> NodeReport:
    rtl = translation.get_language_bidi()
    v = org.version_on(end) or org.versions.order_by("-valid_from").first()
    report = NodeReport(
        org=org, name=v.name if v else org.code, start=start, end=end, data_version=version
    )

    def at(
        ind: Indicator,
        on: dt.date | None = None,
        first: dt.date | None = None,
        last: dt.date | None = None,
        node: Organization | None = None,
    ) -> Result:
        q = question(ind, user=user, org=node or org, as_of=on, start=first, end=last)
        return compute(ind, q, version=version)

    # 1. the figures of the level: as-of ones at both ends of the period, period ones over it
    rows: list[list[Any]] = []
    for ind in all_indicators():
        if "dashboard" not in ind.tags:
            continue
        if ind.kind == AS_OF:
            rows.append(
                [str(ind.name), _num(at(ind, on=start)) if both_ends else "", _num(at(ind, on=end))]
            )
        else:
            rows.append([str(ind.name), "", _num(at(ind, first=start, last=end))])
    report.tables.append(
        ReportTable(
            "figures",
            _("Figures"),
            [
                _("Indicator"),
                _("On %(date)s") % {"date": start.isoformat()},
                _("On %(date)s or over the period") % {"date": end.isoformat()},
            ],
            rows,
        )
    )

    # 2. trend over the years (1 January of each year, and the end of the period)
    days = [dt.date(end.year - k, 1, 1) for k in range(TREND_YEARS - 1, -1, -1)] + [end]
    days = sorted(set(days))
    trend_inds = [get(k) for k in TREND_KEYS]
    series = {ind.key: [at(ind, on=d) for d in days] for ind in trend_inds}
    trend = ReportTable(
        "trend",
        _("Trend over the years"),
        [_("Date"), *[str(i.name) for i in trend_inds]],
        [
            [d.isoformat(), *[_num(series[i.key][n]) for i in trend_inds]]
            for n, d in enumerate(days)
        ],
    )
    report.tables.append(trend)
    line = pygal.Line(**_config(trend.title), x_label_rotation=0)
    labels = [d.isoformat() for d in days]
    line.x_labels = labels[::-1] if rtl else labels
    for ind in trend_inds:
        values = [r.value for r in series[ind.key]]
        line.add(str(ind.name), values[::-1] if rtl else values)
    report.charts.append(Chart("trend", trend.title, _chart_svg(line), trend))

    # 3. distribution of the members by status at the end
    status_inds = [get(k) for k in STATUS_KEYS]
    status = [(ind, at(ind, on=end)) for ind in status_inds]
    dist = ReportTable(
        "status",
        _("Members by status on %(date)s") % {"date": end.isoformat()},
        [_("Status"), _("Members")],
        [[str(ind.name), _num(r)] for ind, r in status],
    )
    report.tables.append(dist)
    pie = pygal.Pie(**_config(dist.title))
    for ind, r in status:
        pie.add(str(ind.name), r.value or 0)
    report.charts.append(Chart("status", dist.title, _chart_svg(pie), dist))

    # 4. comparison of the children at the end
    kids = list(org_children(user=user, org=org, on=end))
    child_inds = [get(k) for k in CHILD_KEYS]
    child_rows = []
    per_child: dict[str, dict[str, int]] = {}
    for ind in child_inds:
        by_child = ind.by_child
        if by_child is not None:
            ask_all = question(ind, user=user, org=org, as_of=end)
            per_child[ind.key] = remember(
                ("by_child", ind.key, org.pk, end),
                user,
                version,
                functools.partial(by_child, ask_all),
            )
    for kid in kids:
        cells: list[Any] = [kid.name]
        for ind in child_inds:
            kid_q = question(ind, user=user, org=kid.org, as_of=end)
            if ind.key in per_child:
                cells.append(
                    Num(
                        per_child[ind.key].get(kid.org.code, 0),
                        query_string(kid_q, ind, part="numerator"),
                    )
                )
            else:
                cells.append(_num(compute(ind, kid_q, version=version)))
        child_rows.append(cells)
    comp = ReportTable(
        "children",
        _("Comparison of the organizations directly under it on %(date)s")
        % {"date": end.isoformat()},
        [_("Organization"), *[str(i.name) for i in child_inds]],
        child_rows,
    )
    report.tables.append(comp)
    if child_rows:
        # the chart shows the largest (the table lists them all)
        child_rows_chart = sorted(child_rows, key=lambda row: -(row[1].value or 0))[
            :MAX_CHART_CHILDREN
        ]
        bar = (
            pygal.HorizontalBar(**_config(comp.title))
            if len(child_rows_chart) > 8
            else pygal.Bar(**_config(comp.title))
        )
        names = [row[0] for row in child_rows_chart]
        bar.x_labels = names[::-1] if rtl and not isinstance(bar, pygal.HorizontalBar) else names
        for n, ind in enumerate(child_inds, start=1):
            values = [row[n].value or 0 for row in child_rows_chart]
            bar.add(
                str(ind.name),
                values[::-1] if rtl and not isinstance(bar, pygal.HorizontalBar) else values,
            )
        report.charts.append(Chart("children", comp.title, _chart_svg(bar), comp))
    return report


def sheet_rows(table: ReportTable) -> list[list[Any]]:
    return [[c.value if isinstance(c, Num) else c for c in row] for row in table.rows]
