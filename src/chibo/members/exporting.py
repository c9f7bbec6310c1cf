"""Exporting a subtree's members as CSV or XLSX, streamed with bounded memory.

- The organization is fetched through `restrict(user, "member.view")` (out of scope = not found),
  and the members through the scoped search selector, on every request: there are no pre-signed
  links to replay.
- Sensitive columns (ethnicity, religion, identity number) are filled only when the user's
  `member.view_sensitive` scope covers the whole exported subtree; otherwise they are blank and
  not even read from the database.
- Every export writes a read-log row (purpose "export") and an audit event before any data leaves.
- Cells that a spreadsheet would run as a formula (starting with = + - @, a tab, a carriage
  return or a NUL) are prefixed with an apostrophe; XLSX strings are always written as strings.
- CSV: RFC 4180 quoting, UTF-8 with a BOM (Excel), rows fetched in chunks with `.iterator()` and
  yielded in blocks. XLSX: xlsxwriter in constant-memory mode, into a temporary file.

The columns share their names with the import template, so an exported file imports again
(as "unchanged").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from chibo.core.audit import audit_log
from chibo.core.paths import subtree_q
from chibo.core.scoping import resolve_scope
from chibo.core.validtime import today, valid_on_q
from chibo.orgs.models import Organization, OrgVersion

from .api.reading import log_member_reads
from .choices import (
    ETHNICITY_CHOICES,
    AffiliationKind,
    Gender,
    GeneralEducation,
    Occupation,
    ProfessionalLevel,
    Religion,
    Status,
    TheoryLevel,
)
from .importing import COLUMN_BY_KEY
from .models import Affiliation, StatusPeriod
from .selectors import SENSITIVE, VIEW, member_search
from .sensitive import require_sensitive

CSV_FORMAT, XLSX_FORMAT = "csv", "xlsx"
FORMATS = (CSV_FORMAT, XLSX_FORMAT)
CHUNK = 2000
XLSX_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class ExportColumn:
    key: str
    label: Promise
    source: str  # the value the query selects
    kind: str = "text"  # text, date, choice
    sensitive: bool = False
    choices: Sequence[tuple[str, Any]] = ()


def _label(key: str) -> Promise:
    return COLUMN_BY_KEY[key].label


EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("full_name", _label("full_name"), "full_name"),
    ExportColumn("gender", _label("gender"), "gender", "choice", choices=Gender.choices),
    ExportColumn("birth_date", _label("birth_date"), "birth_date", "date"),
    ExportColumn("ethnicity", _label("ethnicity"), "ethnicity", "choice", True, ETHNICITY_CHOICES),
    ExportColumn("religion", _label("religion"), "religion", "choice", True, Religion.choices),
    ExportColumn("national_id", _label("national_id"), "national_id", sensitive=True),
    ExportColumn("phone", _label("phone"), "phone"),
    ExportColumn("general_education", _label("general_education"), "general_education", "choice",
                 choices=GeneralEducation.choices),
    ExportColumn("professional_level", _label("professional_level"), "professional_level", "choice",
                 choices=ProfessionalLevel.choices),
    ExportColumn("theory_level", _label("theory_level"), "theory_level", "choice", choices=TheoryLevel.choices),
    ExportColumn("occupation", _label("occupation"), "occupation", "choice", choices=Occupation.choices),
    ExportColumn("cell", _label("cell"), "export_cell"),
    ExportColumn("status", gettext_lazy("status"), "export_status", "choice", choices=Status.choices),
    ExportColumn("admission_decision_no", _label("admission_decision_no"), "admission_decision_no"),
    ExportColumn("admission_decision_date", _label("admission_decision_date"), "admission_decision_date", "date"),
    ExportColumn("ceremony_date", _label("ceremony_date"), "ceremony_date", "date"),
    ExportColumn("official_date", _label("official_date"), "official_date", "date"),
    ExportColumn("card_number", _label("card_number"), "card_number"),
    ExportColumn("card_date", _label("card_date"), "card_date", "date"),
)
EXPORT_BY_KEY = {c.key: c for c in EXPORT_COLUMNS}
DEFAULT_COLUMNS = tuple(c.key for c in EXPORT_COLUMNS)

_RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_text(value: str) -> str:
    """Neutralise a cell a spreadsheet would read as a formula (OWASP CSV injection)."""
    if value.startswith(_RISKY_START):
        return "'" + value
    return value


class ExportError(ValueError):
    pass


class CriteriaError(ExportError):
    """A filter of the member list with a bad value."""


@dataclass
class Export:
    org: Organization
    path: str
    on: dt.date
    columns: list[ExportColumn]
    fmt: str
    sensitive: bool
    queryset: QuerySet[Any]
    labels: dict[str, dict[str, str]]
    headers: list[str]
    progress: Callable[[int], None] | None = None  # called with the rows written so far

    @property
    def filename(self) -> str:
        code = re.sub(r"[^A-Za-z0-9_.-]", "_", self.org.code)[:40]
        return f"members-{code}-{self.on.isoformat()}.{self.fmt}"


def parse_columns(raw: Sequence[str] | str | None) -> list[str]:
    """Column keys from "a,b" or ["a", "b"]; empty -> all. Raises `ExportError` for an
    unknown key."""
    if raw is None:
        return list(DEFAULT_COLUMNS)
    items = [raw] if isinstance(raw, str) else list(raw)
    keys = [k.strip() for item in items for k in item.split(",") if k.strip()]
    if not keys:
        return list(DEFAULT_COLUMNS)
    unknown = [k for k in keys if k not in EXPORT_BY_KEY]
    if unknown:
        raise ExportError(", ".join(unknown[:5]))
    return list(dict.fromkeys(keys))


def parse_criteria(raw: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """The member list's filters among `raw` (a QueryDict or a dict of strings): the filters as
    strings (to keep in a job's parameters) and the `member_search` arguments they give.
    Raises `ExportError` for a bad value, so that an export never covers more than asked."""
    from .forms import CRITERIA_FIELDS, MemberSearchForm

    kept = {name: str(raw.get(name, "")).strip() for name in CRITERIA_FIELDS if str(raw.get(name, "")).strip()}
    if not kept:
        return {}, {}
    form = MemberSearchForm(kept)
    if not form.is_valid():
        raise CriteriaError(", ".join(sorted(form.errors)[:5]))
    search = {"q": form.cleaned_data.get("q") or "", "filters": form.attributes(), **form.periods()}
    return kept, search


@dataclass(frozen=True)
class ExportPlan:
    """What an export would cover, found without reading or logging any member's data."""

    org: Organization
    path: str
    on: dt.date
    columns: list[str]
    fmt: str
    sensitive: bool  # sensitive columns asked for, and the user may see them over the whole subtree
    count: int
    criteria: dict[str, str] | None = None  # the member list's filters, as given
    dated: bool = True  # False: the list had no date (members admitted or who left in a period)

    @property
    def needs_sensitive(self) -> list[str]:
        return [SENSITIVE] if self.sensitive else []


def _authorize(*, user: Any, code: str, on: dt.date) -> tuple[Organization, str]:
    org = Organization.objects.restrict(user, VIEW).get(code=code)
    version = org.version_on(on) or org.latest_version()
    return org, version.path if version else ""


def members_export_plan(
    *, user: Any, code: str, on: dt.date | None = None, columns: Sequence[str] | None = None,
    fmt: str = CSV_FORMAT, criteria: Any = None,
) -> ExportPlan:
    """Authorize an export and count its members (to decide whether it runs in the request or as
    a background job). Raises as `members_export_prepare` does; logs nothing."""
    if fmt not in FORMATS:
        raise ExportError(fmt)
    keys = parse_columns(columns)
    kept, search = parse_criteria(criteria or {})
    dated = on is not None
    on = on or today()
    org, path = _authorize(user=user, code=code, on=on)
    require_sensitive(user, kept, org=org, on=on)
    sensitive = bool(path) and resolve_scope(user, SENSITIVE).covers_path(path) and any(
        EXPORT_BY_KEY[k].sensitive for k in keys)
    count = member_search(user=user, org=org, on=on if dated else None, **search).count()
    return ExportPlan(org=org, path=path, on=on, columns=keys, fmt=fmt, sensitive=sensitive, count=count,
                      criteria=kept or None, dated=dated)


def members_export_prepare(
    *, user: Any, actor: Any, code: str, on: dt.date | None = None, columns: Sequence[str] | None = None,
    fmt: str = CSV_FORMAT, allow_sensitive: bool = True, criteria: Any = None,
) -> Export:
    """Authorize and log an export of the members under the organization `code` on `on`.
    Raises `Organization.DoesNotExist` when it is out of scope, `ExportError` for bad options.
    `allow_sensitive=False` leaves the sensitive columns blank whatever the user's role (a
    background job keeps what was decided when it was submitted)."""
    if fmt not in FORMATS:
        raise ExportError(fmt)
    keys = parse_columns(columns)
    kept, search = parse_criteria(criteria or {})
    dated = on is not None
    on = on or today()
    org, path = _authorize(user=user, code=code, on=on)
    require_sensitive(user, kept, org=org, on=on)
    scope = resolve_scope(user, SENSITIVE)
    sensitive = allow_sensitive and bool(path) and scope.covers_path(path)
    cols = [EXPORT_BY_KEY[k] for k in keys]
    cells_on = OrgVersion.objects.filter(valid_on_q(on)).filter(subtree_q(path)).values("org_id") if path else \
        OrgVersion.objects.none().values("org_id")
    cell = (Affiliation.objects.filter(member_id=OuterRef("pk"), kind=AffiliationKind.OFFICIAL, org_id__in=cells_on)
            .filter(valid_on_q(on)).order_by("-valid_from").values("org__code")[:1])
    status = StatusPeriod.objects.filter(member_id=OuterRef("pk")).filter(valid_on_q(on)).values("status")[:1]
    members = member_search(user=user, org=org, on=on if dated else None, **search).annotate(
        export_cell=Subquery(cell), export_status=Subquery(status))
    sources = [c.source for c in cols if sensitive or not c.sensitive]
    qs: QuerySet[Any] = members.values_list(*sources) if sources else members.values_list("pk")
    labels = {c.key: {str(k): str(v) for k, v in c.choices} for c in cols if c.kind == "choice"}
    headers = [str(c.label) for c in cols]
    # every exported member is logged as read (G21), in one insert, before any data leaves
    log_member_reads(actor=actor, on=on, purpose="export",
                     member_ids=members.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK))
    audit_log(actor=actor, action="member.export", target=org, org_path=path,
              after={"format": fmt, "columns": keys, "as_of": on.isoformat(), "sensitive": sensitive,
                     **({"filters": kept} if kept else {})})
    return Export(org=org, path=path, on=on, columns=cols, fmt=fmt, sensitive=sensitive, queryset=qs,
                  labels=labels, headers=headers)


def _row_maker(export: Export) -> Callable[[Sequence[Any]], list[Any]]:
    """A function from a database row to the cells (dates stay dates, text is made safe)."""
    plan: list[tuple[int | None, ExportColumn]] = []
    position = 0
    for column in export.columns:
        if column.sensitive and not export.sensitive:
            plan.append((None, column))
        else:
            plan.append((position, column))
            position += 1

    def make(row: Sequence[Any]) -> list[Any]:
        out: list[Any] = []
        for index, column in plan:
            value = None if index is None else row[index]
            if value is None or value == "":
                out.append("")
            elif column.kind == "date":
                out.append(value)
            elif column.kind == "choice":
                out.append(safe_text(export.labels[column.key].get(str(value), str(value))))
            else:
                out.append(safe_text(str(value)))
        return out

    return make


def rows(export: Export) -> Iterator[list[Any]]:
    make = _row_maker(export)
    n = 0
    for row in export.queryset.iterator(chunk_size=CHUNK):
        yield make(row)
        n += 1
        if export.progress is not None and n % 500 == 0:
            export.progress(n)
    if export.progress is not None:
        export.progress(n)


def csv_chunks(export: Export, block: int = 500) -> Iterator[bytes]:
    """The CSV as UTF-8 byte blocks, a BOM first. Dates as yyyy-mm-dd."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff".encode()
    writer.writerow([safe_text(h) for h in export.headers])
    n = 0
    for cells in rows(export):
        writer.writerow([c.isoformat() if isinstance(c, dt.date) else c for c in cells])
        n += 1
        if n % block == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(export: Export, out: Any) -> int:
    written = 0
    for chunk in csv_chunks(export):
        out.write(chunk)
        written += len(chunk)
    return written


def write_xlsx(export: Export, target: str) -> int:
    """Write the XLSX to the file `target` in constant memory. Returns the number of members."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(target, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "tmpdir": os.path.dirname(target) or None,
    })
    bold = wb.add_format({"bold": True})
    date_format = wb.add_format({"num_format": "dd/mm/yyyy"})
    sheet_no = 0
    sheet: Any = None
    r = XLSX_MAX_ROWS
    count = 0

    def new_sheet() -> Any:
        nonlocal sheet_no
        sheet_no += 1
        ws = wb.add_worksheet(f"{export.org.code[:20]}-{sheet_no}" if sheet_no > 1 else (export.org.code[:31] or "1"))
        for col, header in enumerate(export.headers):
            ws.write_string(0, col, safe_text(header), bold)
            ws.set_column(col, col, 16)
        return ws

    for cells in rows(export):
        if r >= XLSX_MAX_ROWS:
            sheet, r = new_sheet(), 1
        for col, value in enumerate(cells):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, col, value, date_format)
            elif value != "":
                sheet.write_string(r, col, value)
        r += 1
        count += 1
    if sheet is None:
        new_sheet()
    wb.close()
    return count


def xlsx_tempfile(export: Export) -> tuple[str, int]:
    """Write the XLSX into a new temporary file (mode 0600) and return its path and row count."""
    fd, target = tempfile.mkstemp(prefix="chibo-export-", suffix=".xlsx")
    os.close(fd)
    try:
        count = write_xlsx(export, target)
    except BaseException:
        os.unlink(target)
        raise
    return target, count
