"""Reading uploaded files: refusing hostile ones (bombs, wrong types), the text encoding, and
streaming the rows of a CSV or of the first sheet of an XLSX."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import logging
import os
import tempfile
import unicodedata
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from .columns import (
    MAX_COLUMNS,
    MB,
    UploadRejected,
    max_uncompressed_bytes,
    max_upload_bytes,
    max_zip_entries,
)

log = logging.getLogger(__name__)

# --- hostile uploads ----------------------------------------------------------------------------

XLSX, CSV = "xlsx", "csv"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_SIGNATURES = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"MZ",
    b"\x7fELF",
    b"BZh",
)
# C0 controls that text never holds. TCVN3 puts capital letters on 0x01, 0x02, 0x04-0x06 and
# 0x11-0x17, so those are allowed in 8-bit text.
_BAD_CONTROLS = frozenset(
    {
        0x00,
        0x03,
        0x07,
        0x08,
        0x0B,
        0x0C,
        0x0E,
        0x0F,
        0x10,
        0x18,
        0x19,
        0x1A,
        0x1B,
        0x1C,
        0x1D,
        0x1E,
        0x1F,
        0x7F,
    }
)


def check_upload(path: Path) -> str:
    """The kind of the file at `path` (XLSX or CSV) from its bytes; raises `UploadRejected`."""
    size = path.stat().st_size
    if size > max_upload_bytes():
        raise UploadRejected(too_big_message(), status=413)
    if size == 0:
        raise UploadRejected(_("The file is empty."))
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        _check_xlsx(path)
        return XLSX
    if head.startswith(_OLE2):
        raise UploadRejected(
            _("This is an old Excel file (.xls). Save it as .xlsx (Excel Workbook) and try again.")
        )
    if head.startswith(b"PK") or head.startswith(_BINARY_SIGNATURES):
        raise UploadRejected(
            _("This is not a spreadsheet: upload an .xlsx workbook or a .csv file.")
        )
    _check_text(path)
    return CSV


def too_big_message() -> str:
    return _("The file is too large: at most %(mb)d MB.") % {"mb": max_upload_bytes() // MB}


def _check_xlsx(path: Path) -> None:
    not_workbook = _("This file is not an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > max_zip_entries():
                raise UploadRejected(
                    _("The workbook has too many parts (%(n)d).") % {"n": len(infos)}
                )
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise UploadRejected(not_workbook)
            total = sum(i.file_size for i in infos)
            if total > max_uncompressed_bytes():
                raise UploadRejected(
                    _("The workbook unpacks to more than %(mb)d MB: it is refused.")
                    % {"mb": max_uncompressed_bytes() // MB},
                    status=413,
                )
            for info in infos:
                if info.filename.endswith((".xml", ".rels")) and info.file_size:
                    with zf.open(info) as member:
                        start = member.read(4096)
                    if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                        raise UploadRejected(
                            _("The workbook contains XML declarations that are not allowed.")
                        )
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UploadRejected(damaged_message()) from exc


def _check_text(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if any(b in _BAD_CONTROLS for b in head):
        raise UploadRejected(
            _("This is not a text (CSV) file: upload an .xlsx workbook or a .csv file.")
        )


# --- reading -------------------------------------------------------------------------------------


@dataclass
class Table:
    """The rows of a file: `rows()` yields (spreadsheet row number, values), header first."""

    path: Path
    kind: str
    epoch: dt.datetime | None = None
    total_hint: int | None = None
    text_encoding: str = "utf-8-sig"

    @contextmanager
    def rows(self) -> Iterator[Iterator[tuple[int, list[Any]]]]:
        if self.kind == XLSX:
            with _xlsx_rows(self) as rows:
                yield rows
        else:
            with self.path.open("r", encoding=self.text_encoding, newline="") as fh:
                yield _csv_rows(fh)


def read_table(path: Path, kind: str) -> Table:
    table = Table(path=path, kind=kind)
    if kind == CSV:
        table.text_encoding = _text_encoding(path)
        with path.open("rb") as fh:
            table.total_hint = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(MB), b""))
    return table


def _text_encoding(path: Path) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, or else Latin-1: every byte kept as is, for the
    legacy-encoding detection to decide what the bytes mean."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: fh.read(MB), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8-sig"


def _csv_rows(fh: IO[str]) -> Iterator[tuple[int, list[Any]]]:
    first = fh.readline()
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(_chain_line(first, fh), delimiter=delimiter)
    for number, row in enumerate(reader, start=1):
        yield number, list(row[:MAX_COLUMNS])


def _chain_line(first: str, fh: IO[str]) -> Iterator[str]:
    yield first
    yield from fh


@contextmanager
def _xlsx_rows(table: Table) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    from openpyxl import DEFUSEDXML

    if not DEFUSEDXML:  # fail closed: never parse workbooks without the XML defences
        raise UploadRejected(
            _("Workbooks cannot be read safely on this server (defusedxml is missing).")
        )
    fh = table.path.open("rb")  # a file object: openpyxl would judge a path by its extension
    reader = None
    try:
        # what openpyxl.load_workbook does, with the shared strings on disk
        reader = _reader_class()(fh, read_only=True, keep_vba=False, data_only=True, keep_links=False)
        reader.read()
        wb = reader.wb
    except Exception as exc:  # defusedxml's refusals, broken zips, missing parts
        if reader is not None:
            reader.close_strings()
        fh.close()
        raise _unreadable(exc) from exc
    try:
        table.epoch = wb.epoch
        ws = wb.worksheets[0]
        if table.total_hint is None and getattr(ws, "max_row", None):
            table.total_hint = ws.max_row

        def rows() -> Iterator[tuple[int, list[Any]]]:
            try:
                for number, values in enumerate(
                    ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1
                ):
                    yield number, list(values)
            except UploadRejected:
                raise
            except Exception as exc:
                raise _unreadable(exc) from exc

        yield rows()
    finally:
        wb.close()
        reader.close_strings()
        fh.close()


class DiskStrings:
    """A workbook's shared strings kept in a temporary file, with their offsets in an array:
    memory grows by 8 bytes a string, not by the strings (a register's workbook has a distinct
    string for nearly every name, identity and card number; openpyxl keeps them all in a list).
    Read back by position, the most recent few thousand kept in memory (cells, ethnic groups and
    other repeated values are looked up again and again)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._offsets = array("q", [0])
        self._at = functools.lru_cache(maxsize=4096)(self._read)

    def append(self, text: str) -> None:
        data = text.encode("utf-8")
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def finish(self) -> None:
        self._file.flush()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._at(index)

    def _read(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1]
        return os.pread(self._file.fileno(), end - start, start).decode("utf-8")

    def close(self) -> None:
        self._at.cache_clear()
        self._file.close()


def read_shared_strings(source: IO[bytes]) -> DiskStrings:
    """openpyxl's `read_string_table`, into a `DiskStrings`, clearing the parsed elements as it
    goes (openpyxl clears each string but leaves the emptied elements under the root)."""
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    tag = "{%s}si" % SHEET_MAIN_NS  # noqa: UP031
    out = DiskStrings()
    root = None
    try:
        for event, node in iterparse(source, events=("start", "end")):
            if root is None:
                root = node
            if event == "end" and node.tag == tag:
                out.append(Text.from_tree(node).content.replace("x005F_", ""))
                root.clear()
    except BaseException:
        out.close()
        raise
    out.finish()
    return out


@functools.cache
def _reader_class() -> Any:
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader

    class Reader(ExcelReader):  # type: ignore[misc]
        """openpyxl's reader with the shared strings on disk (`DiskStrings`)."""

        def read_strings(self) -> None:
            ct = self.package.find(SHARED_STRINGS)
            if ct is not None:
                with self.archive.open(ct.PartName[1:]) as src:
                    self.shared_strings = read_shared_strings(src)

        def close_strings(self) -> None:
            if isinstance(self.shared_strings, DiskStrings):
                self.shared_strings.close()

    return Reader


def _unreadable(exc: BaseException) -> UploadRejected:
    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps defusedxml's refusal in a ValueError
        if isinstance(cause, DefusedXmlException):
            return UploadRejected(_("The workbook contains XML declarations that are not allowed."))
        cause = cause.__cause__ or cause.__context__
    log.info("unreadable workbook: %s", type(exc).__name__)
    return UploadRejected(damaged_message())


def damaged_message() -> str:
    return _("The file is damaged (cut short or corrupted) and cannot be read. Open it in Excel, save it again"
             " as .xlsx, and upload the saved copy.")


def safe_filename(name: str) -> str:
    """A file name fit for display and logs (never for paths): no controls, no directories."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:120] or "upload"
