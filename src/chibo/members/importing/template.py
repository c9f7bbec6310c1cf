"""The template files (XLSX with an instructions sheet, and CSV)."""

from __future__ import annotations

import csv
import logging
from typing import IO, Any

from django.utils.translation import gettext as _

from chibo.orgs.models import Organization

from ..choices import (
    ETHNIC_GROUPS,
    Gender,
    Occupation,
    ProfessionalLevel,
    Religion,
    Status,
    TheoryLevel,
)
from .columns import COLUMNS

log = logging.getLogger(__name__)

# --- the template --------------------------------------------------------------------------------


def template_example(user: Any) -> dict[str, str]:
    qs = (
        Organization.objects.all()
        if user is None
        else Organization.objects.restrict(user, "member.change")
    )
    cell = (
        qs.filter(
            versions__kind__key__in=["party_cell", "grassroots_party_cell"],
            versions__valid_to__isnull=True,
        )
        .values_list("code", flat=True)
        .order_by("code")
        .first()
    )
    return {
        "full_name": "Nguyễn Văn An",
        "gender": str(Gender.MALE.label),
        "birth_date": "15/05/1990",
        "ethnicity": ETHNIC_GROUPS[0],
        "religion": str(Religion.NONE.label),
        "national_id": "001090012345",
        "phone": "0912345678",
        "general_education": "12/12",
        "professional_level": str(ProfessionalLevel.UNIVERSITY.label),
        "theory_level": str(TheoryLevel.ELEMENTARY.label),
        "occupation": str(Occupation.AGENCY.label),
        "cell": cell or "CODE",
        "admission_decision_no": "123-QĐ/ĐU",
        "admission_decision_date": "20/01/2020",
        "ceremony_date": "03/02/2020",
        "official_date": "03/02/2021",
        "status": str(Status.OFFICIAL.label),
        "card_number": "12345678",
        "card_date": "19/05/2021",
    }


TEXT_COLUMNS = {"national_id", "phone", "card_number", "admission_decision_no", "cell"}


def write_template_xlsx(out: IO[bytes] | str, *, user: Any) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        out,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,
        },
    )
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EEEEEE"})
    text = wb.add_format({"num_format": "@"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    sheet = wb.add_worksheet(_("Members")[:31])
    example = template_example(user)
    for col, column in enumerate(COLUMNS):
        label = str(column.label) + (" *" if column.required else "")
        sheet.set_column(
            col, col, max(14, len(label) + 2), text if column.key in TEXT_COLUMNS else None
        )
        sheet.write_string(0, col, label, bold)
        sheet.write_string(1, col, example[column.key])
    sheet.freeze_panes(1, 0)
    help_sheet = wb.add_worksheet(_("Instructions")[:31])
    help_sheet.set_column(0, 0, 30)
    help_sheet.set_column(1, 1, 12)
    help_sheet.set_column(2, 2, 70)
    help_sheet.set_column(3, 3, 24)
    help_sheet.write_row(
        0, 0, [_("Column"), _("Required"), _("What to write"), _("Allowed value (key)")], bold
    )
    row = 1
    notes = [
        _(
            "Fill the first sheet, one member per row, from row 2. Keep the first row (the column names)."
        ),
        _("Rows whose party card number or identity number is already registered are skipped."),
        _(
            "If any row is wrong, nothing is imported: the errors list the row, the column and the reason."
        ),
        _("Text typed in the old TCVN3 (.VnTime) or VNI fonts is converted to Unicode."),
    ]
    for column in COLUMNS:
        help_sheet.write_string(row, 0, str(column.label), wrap)
        help_sheet.write_string(row, 1, _("yes") if column.required else _("no"), wrap)
        help_sheet.write_string(row, 2, str(column.help), wrap)
        row += 1
        for key, label in column.choices or ():
            help_sheet.write_string(row, 2, label, wrap)
            help_sheet.write_string(row, 3, key, wrap)
            row += 1
    row += 1
    for note in notes:
        help_sheet.write_string(row, 0, note)
        row += 1
    wb.close()


def write_template_csv(out: IO[str], *, user: Any) -> None:
    writer = csv.writer(out)
    writer.writerow([str(c.label) for c in COLUMNS])
    example = template_example(user)
    writer.writerow([example[c.key] for c in COLUMNS])
