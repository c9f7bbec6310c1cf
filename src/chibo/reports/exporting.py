"""Tables to CSV and XLSX, safe against formula injection (a cell that a spreadsheet would run as
a formula is prefixed with an apostrophe; XLSX strings are written as strings)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter

_RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(_RISKY_START) else value


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, dt.date)):
        return value
    return safe_text(str(value))


@dataclass
class Table:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_text(str(h)) for h in table.headers])
    for row in table.rows:
        writer.writerow([c.isoformat() if isinstance(c, dt.date) else c for c in map(cell, row)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        name = f"{base[:25]} {n}"
        n += 1
    used.add(name.lower())
    return name


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    datefmt = book.add_format({"num_format": "yyyy-mm-dd"})
    used: set[str] = set()
    for table in tables:
        ws = book.add_worksheet(_sheet_name(table.title, used))
        for col, header in enumerate(table.headers):
            ws.write_string(0, col, safe_text(str(header)), bold)
        for r, row in enumerate(table.rows, start=1):
            for col, value in enumerate(map(cell, row)):
                if isinstance(value, dt.date):
                    ws.write_datetime(r, col, value, datefmt)
                elif isinstance(value, (int, float)):
                    ws.write_number(r, col, value)
                else:
                    ws.write_string(r, col, value)
    book.close()
    return buf.getvalue()
