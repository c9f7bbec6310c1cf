"""Pages: the indicator list, one figure (with a comparison), the drill-down to the records
behind a number (paginated, read-logged, exportable), the seed figures. Thin: parse, compute
through the registry, render. Bad input answers 400 (404 for a node out of scope or an unknown
indicator) with a translated message, never 500."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chibo.core.access import SCOPED, SIGNED_IN, access_policy
from chibo.core.audit import audit_log, read_log
from chibo.core.validtime import today
from chibo.orgs.models import Organization

from . import exporting
from .compute import BadQuestion, Result, ask, compute, node_get, parse_date, question
from .dashboard import build, period_bounds, sheet_rows
from .registry import DENOMINATOR, NUMERATOR, PERIOD, Indicator, Listing, Question, all_indicators
from .seeds import seed_rows
from .views_common import query_string

PAGE_SIZE = 50


def bad(request: HttpRequest, exc: BadQuestion) -> HttpResponse:
    return render(
        request, "web/error.html", {"status": exc.status, "message": exc.message}, status=exc.status
    )


def _ask(request: HttpRequest, prefix: str = "") -> tuple[Indicator, Question]:
    g = request.GET
    return ask(
        user=request.user,
        indicator=g.get("indicator", "").strip(),
        under=g.get("under", "").strip() or None,
        as_of=g.get(prefix + "as_of"),
        start=g.get(prefix + "from"),
        end=g.get(prefix + "to"),
    )


def result_view(result: Result) -> dict[str, Any]:
    """A result with the links to the records behind its numbers."""
    ind, q = result.indicator, result.question
    return {
        "r": result,
        "numerator_qs": query_string(q, ind, part=NUMERATOR),
        "denominator_qs": query_string(q, ind, part=DENOMINATOR)
        if ind.denominator is not None
        else "",
    }


@access_policy(SIGNED_IN)
@login_required
def indicators(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/indicators.html", {"indicators": all_indicators()})


@access_policy(SCOPED)
@login_required
def value(request: HttpRequest) -> HttpResponse:
    try:
        ind, q = _ask(request)
        results = [result_view(compute(ind, q))]
        g = request.GET
        if g.get("compare_as_of") or g.get("compare_from") or g.get("compare_to"):
            _ind, other = _ask(request, prefix="compare_")
            results.append(result_view(compute(ind, other)))
    except BadQuestion as exc:
        return bad(request, exc)
    return render(
        request,
        "reports/value.html",
        {"indicator": ind, "q": q, "results": results, "period": ind.kind == PERIOD},
    )


def _listing(request: HttpRequest) -> tuple[Indicator, Question, Listing, str]:
    ind, q = _ask(request)
    part = request.GET.get("part", NUMERATOR) or NUMERATOR
    listing = ind.part(part)
    if listing is None:
        raise BadQuestion(
            _("This indicator has no list “%(part)s”.") % {"part": part}, field="part"
        )
    return ind, q, listing, part


def _node_path(q: Question) -> str:
    if q.org is None:
        return ""
    version = q.org.version_on(q.on) or q.org.versions.order_by("-valid_from").first()
    return version.path if version is not None else ""


def _log(request: HttpRequest, ind: Indicator, q: Question, listing: Listing, purpose: str) -> None:
    if not listing.logged:
        return
    target: Any = q.org if q.org is not None else request.user
    read_log(actor=request.user, target=target, org_path=_node_path(q), purpose=purpose)


@access_policy(SCOPED)
@login_required
def drill(request: HttpRequest) -> HttpResponse:
    try:
        ind, q, listing, part = _listing(request)
        fmt = request.GET.get("format", "")
        if fmt and fmt not in ("csv", "xlsx"):
            raise BadQuestion(_("Unknown format “%(format)s”.") % {"format": fmt}, field="format")
    except BadQuestion as exc:
        return bad(request, exc)
    records = listing.records(q)
    headers = [str(c.header) for c in listing.columns]
    if fmt:
        _log(request, ind, q, listing, "export")
        audit_log(
            actor=request.user,
            action="report.export",
            target=q.org,
            org_path=_node_path(q),
            after={
                "indicator": ind.key,
                "part": part,
                "format": fmt,
                "query": query_string(q, ind),
            },
        )
        table = exporting.Table(
            title=str(ind.name),
            headers=headers,
            rows=([c.value(obj) for c in listing.columns] for obj in records.iterator()),
        )
        name = f"{ind.key}-{part}-{q.org.code if q.org else 'all'}"
        if fmt == "csv":
            response = HttpResponse(exporting.to_csv(table), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                exporting.to_xlsx([table]),
                content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    _log(request, ind, q, listing, "report")
    rows = [[c.value(obj) for c in listing.columns] for obj in page.object_list]
    return render(
        request,
        "reports/drill.html",
        {
            "indicator": ind,
            "q": q,
            "listing": listing,
            "part": part,
            "headers": headers,
            "rows": rows,
            "page": page,
            "export_csv": query_string(q, ind, part=part, format="csv"),
            "export_xlsx": query_string(q, ind, part=part, format="xlsx"),
        },
    )


@access_policy(SCOPED)
@login_required
def seeds(request: HttpRequest) -> HttpResponse:
    rows = seed_rows(user=request.user)
    for row in rows:
        # the seeds' words are catalogue strings (gettext_noop in .seeds): in the reader's language
        row["figure"] = _(row["figure"])
        if row["waits_for"]:
            row["waits_for"] = _(row["waits_for"])
        if row["computed"] is not None and row["indicator"]:
            params = {
                k: row[k] for k in ("indicator", "under", "as_of", "from", "to") if row.get(k)
            }
            row["qs"] = urlencode(params)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("equal", "differs", "waiting")}
    return render(request, "reports/seeds.html", {"rows": rows, "counts": counts})


__all__ = ["bad", "drill", "indicators", "question", "seeds", "value"]


# --- dashboards and periodic reports -------------------------------------------------------------

PERIOD_LABELS = {
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "half": gettext_lazy("Half year"),
    "year": gettext_lazy("Year"),
}
PERIOD_COUNT = {"month": 12, "quarter": 4, "half": 2, "year": 1}


def _node(request: HttpRequest, code: str) -> Organization:
    try:
        return node_get(user=request.user, code=code)
    except BadQuestion as exc:
        raise Http404 from exc


@access_policy(SCOPED)
@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    org = _node(request, code)
    try:
        on = parse_date(request.GET.get("as_of"), "as_of") or today()
    except BadQuestion as exc:
        return bad(request, exc)
    report = build(
        user=request.user, org=org, start=dt.date(on.year, 1, 1), end=on, both_ends=False
    )
    return render(request, "reports/dashboard.html", {"report": report})


def _period(request: HttpRequest) -> tuple[str, int, int, dt.date, dt.date]:
    g = request.GET
    period = g.get("period", "year") or "year"
    if period not in PERIOD_COUNT:
        raise BadQuestion(_("Unknown period “%(period)s”.") % {"period": period}, field="period")
    try:
        year = int(g.get("year") or today().year)
        number = int(g.get("number") or 1)
    except ValueError as exc:
        raise BadQuestion(
            _("The year and the number must be whole numbers."), field="year"
        ) from exc
    if not 1930 <= year <= 2100:
        raise BadQuestion(
            _("There are no records before 1930: %(date)s.") % {"date": year}, field="year"
        )
    if not 1 <= number <= PERIOD_COUNT[period]:
        raise BadQuestion(
            _("There is no period number %(n)s in a year.") % {"n": number}, field="number"
        )
    start, end = period_bounds(period, year, number)
    return period, year, number, start, end


def _pdf(request: HttpRequest, html: str) -> bytes:
    """Render with WeasyPrint; static files (the stylesheet, the fonts) are read from disk, charts
    are data URIs, and nothing is fetched from anywhere else."""
    import mimetypes

    import weasyprint
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    prefix = request.build_absolute_uri(static("reports/"))[: -len("reports/")]

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(prefix):
                path = finders.find(url[len(prefix) :].split("?")[0])
                if path:
                    with open(str(path), "rb") as fh:
                        return URLFetcherResponse(
                            url,
                            body=fh.read(),
                            headers={
                                "Content-Type": mimetypes.guess_type(str(path))[0]
                                or "application/octet-stream"
                            },
                        )
            raise ValueError(f"refused to fetch {url}")

    return bytes(
        weasyprint.HTML(string=html, base_url=prefix, url_fetcher=StaticOnly()).write_pdf()
    )


@access_policy(SCOPED)
@login_required
def periodic(request: HttpRequest, code: str) -> HttpResponse:
    org = _node(request, code)
    try:
        period, year, number, start, end = _period(request)
        fmt = request.GET.get("format", "")
        if fmt and fmt not in ("pdf", "xlsx"):
            raise BadQuestion(_("Unknown format “%(format)s”.") % {"format": fmt}, field="format")
    except BadQuestion as exc:
        return bad(request, exc)
    report = build(user=request.user, org=org, start=start, end=end)
    title = (
        f"{PERIOD_LABELS[period]} {number}/{year}"
        if period != "year"
        else f"{PERIOD_LABELS[period]} {year}"
    )
    base_qs = urlencode({"period": period, "year": year, "number": number})
    context = {
        "report": report,
        "title": title,
        "period": period,
        "year": year,
        "number": number,
        "periods": list(PERIOD_LABELS.items()),
        "base_qs": base_qs,
    }
    name = f"{org.code}-{period}-{year}-{number}"
    if fmt == "pdf":
        html = render(request, "reports/print.html", context).content.decode()
        response = HttpResponse(_pdf(request, html), content_type="application/pdf")
    elif fmt == "xlsx":
        tables = [
            exporting.Table(title=t.title, headers=t.headers, rows=sheet_rows(t))
            for t in report.tables
        ]
        response = HttpResponse(
            exporting.to_xlsx(tables),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    else:
        return render(request, "reports/periodic.html", context)
    audit_log(
        actor=request.user,
        action="report.export",
        target=org,
        org_path=_node_path(Question(user=request.user, org=org, as_of=end)),
        after={"report": name, "format": fmt},
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
