"""Builders for import test files, generated in the tests (nothing binary is committed):
rows keyed by column, written as CSV or XLSX in any interface language, in UTF-8 or a legacy
Vietnamese encoding; and hostile files (zip bomb, XML bomb, wrong magic bytes)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import translation

from chibo.core.vnencoding import encode_tcvn3, encode_vni, legacy_text
from chibo.members.importing import COLUMNS

KEYS = [c.key for c in COLUMNS]


def header(lang: str = "en") -> list[str]:
    with translation.override(lang):
        return [str(c.label) for c in COLUMNS]


def row(**values: Any) -> dict[str, Any]:
    """A valid row for cell MT-CA (tests/members/conftest.py): a man born 1990, admitted on
    3 Feb 2020 (official on 3 Feb 2021)."""
    base: dict[str, Any] = {
        "full_name": "Nguyễn Văn Ánh", "gender": "Male", "birth_date": "15/05/1990", "ethnicity": "Kinh",
        "religion": "none", "national_id": "001090123401", "phone": "0912345678",
        "general_education": "12/12", "professional_level": "university_degree", "theory_level": "none",
        "occupation": "agency", "cell": "MT-CA", "admission_decision_no": "12-QĐ/ĐU",
        "admission_decision_date": "20/01/2020", "ceremony_date": "03/02/2020", "official_date": "",
        "card_number": "", "card_date": "",
    }
    base.update(values)
    return base


def people(n: int, **values: Any) -> list[dict[str, Any]]:
    """`n` distinct valid rows (identity numbers 001090100000 + i, men born in 1990)."""
    return [row(full_name=f"Trần Văn {chr(ord('A') + i % 26)}{'a' * (i // 26)}",
                national_id=f"0010901{i:05d}", **values) for i in range(n)]


def _cells(rows: Iterable[dict[str, Any]], lang: str, text: Callable[[str], str]) -> list[list[Any]]:
    out = [[text(h) for h in header(lang)]]
    for r in rows:
        out.append([text(v) if isinstance(v, str) else v for v in (r.get(k, "") for k in KEYS)])
    return out


def as_csv(rows: Iterable[dict[str, Any]], *, lang: str = "en", encoding: str = "utf-8-sig",
           delimiter: str = ",", text: Callable[[str], str] = lambda s: s) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for cells in _cells(rows, lang, text):
        writer.writerow(["" if v is None else v for v in cells])
    return buffer.getvalue().encode(encoding)


def as_xlsx(rows: Iterable[dict[str, Any]], *, lang: str = "en", text: Callable[[str], str] = lambda s: s) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for cells in _cells(rows, lang, text):
        ws.append([None if v == "" else v for v in cells])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def tcvn3_text(value: str) -> str:
    """How Excel shows `value` typed in a TCVN3 (.VnTime) font."""
    return legacy_text(encode_tcvn3(value))


def tcvn3_bytes(value: str) -> bytes:
    return encode_tcvn3(value)


def vni_text(value: str) -> str:
    """How Excel shows `value` typed in a VNI font."""
    return encode_vni(value)


def tcvn3_csv(rows: Iterable[dict[str, Any]], lang: str = "en") -> bytes:
    """A CSV saved from a .VnTime sheet: the raw TCVN3 bytes (not UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in _cells(rows, lang, lambda s: s):
        writer.writerow(["" if v is None else v for v in cells])
    return b"".join(encode_tcvn3(line) + b"\n" for line in buffer.getvalue().splitlines())


def vni_csv(rows: Iterable[dict[str, Any]], lang: str = "en") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in _cells(rows, lang, lambda s: s):
        writer.writerow(["" if v is None else v for v in cells])
    return encode_vni(buffer.getvalue()).encode("cp1252")


def zip_bomb(uncompressed_mb: int = 250) -> bytes:
    """An XLSX-shaped zip whose worksheet inflates to `uncompressed_mb` MB of zeros (a few
    hundred KB compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        chunk = b"0" * (1024 * 1024)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(uncompressed_mb):
                fh.write(chunk)
    return out.getvalue()


def many_entries(n: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        for i in range(n):
            zf.writestr(f"xl/x{i}.bin", b"")
    return out.getvalue()


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    '<si><t>&lol9;</t></si></sst>'
)


def xml_bomb(padding: int = 0) -> bytes:
    """A real workbook whose sharedStrings.xml is a billion-laughs document; with `padding`,
    that many bytes of XML comment come before the DOCTYPE."""
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.add_worksheet().write_string(0, 0, "full name")  # xlsxwriter keeps strings in sharedStrings.xml
    wb.close()
    src = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    bomb = BILLION_LAUGHS
    if padding:
        bomb = bomb.replace("\n<!DOCTYPE", "\n<!--" + " " * padding + "-->\n<!DOCTYPE", 1)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/sharedStrings.xml":
                data = bomb.encode()
            zf.writestr(info, data)
    return out.getvalue()


def serial(day: dt.date) -> int:
    """The Excel (1900 system) serial number of `day`."""
    return (day - dt.date(1899, 12, 30)).days
