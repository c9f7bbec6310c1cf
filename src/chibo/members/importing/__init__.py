"""Importing members from the spreadsheets committees already keep (XLSX and CSV).

The path of a file:

1. `check_upload()` looks at the bytes, never at the name: an XLSX must be a zip holding
   `[Content_Types].xml`, with few entries and a bounded uncompressed size (zip bombs are refused
   from the zip directory, before any XML is parsed; openpyxl parses with defusedxml, so entity
   tricks are refused too); anything else must be text (UTF-8 with or without BOM, UTF-16 with a
   BOM, or 8-bit text in a legacy Vietnamese encoding).
2. `read_table()` streams the first sheet's rows (openpyxl read-only) or the CSV's rows.
3. `RowParser` maps each row to a `MemberRecord` (admitted at the ceremony date in the cell;
   recognised as official when the official date is given), converting legacy TCVN3/VNI text
   (`chibo.core.vnencoding`), dates as text or spreadsheet serials, and the keys or labels of every
   enumeration in any of the interface languages.
4. `members_import()` validates every row, skips the rows whose card or identity number is already
   registered in the user's scope ("unchanged"), and, unless it is a dry run and only when there is
   no error at all, creates the new members with `members_bulk_create` in one transaction.

Rows are numbered as in the spreadsheet (header = row 1). Targets are restricted: a row whose cell
the user may not change (`member.change`) reads "no such cell", as for a cell that does not exist.

Long files run as jobs: the upload is kept under `VAR_DIR/imports/<random id>/` with a JSON state
file (progress, result) that only the user who uploaded it can read (see `job_*`).

The modules: `columns` (the columns, the limits, the result), `vocabulary` (header and value
spellings), `files` (hostile files, encodings, streaming rows), `rows` (one row to a record or its
problems), `run` (the pass over the file and the commit), `template`, `jobs`.
"""

from .columns import (
    BATCH,
    COLUMN_BY_KEY,
    COLUMNS,
    MAX_COLUMNS,
    MAX_ERRORS_KEPT,
    MB,
    REQUIRED,
    Column,
    ImportResult,
    Problem,
    UploadRejected,
    column_label,
    max_rows,
    max_uncompressed_bytes,
    max_upload_bytes,
    max_zip_entries,
)
from .files import CSV, XLSX, Table, check_upload, read_table, safe_filename, too_big_message
from .jobs import (
    JOB_ID,
    ImportJob,
    JobNotFound,
    inline_max_bytes,
    job_create,
    job_get,
    job_run,
    job_start,
    jobs_dir,
)
from .rows import CellError, ParsedRow, RowParser, excel_serial_to_date, parse_date
from .run import members_import
from .template import TEXT_COLUMNS, template_example, write_template_csv, write_template_xlsx

__all__ = [
    "BATCH",
    "COLUMNS",
    "COLUMN_BY_KEY",
    "CSV",
    "JOB_ID",
    "MAX_COLUMNS",
    "MAX_ERRORS_KEPT",
    "MB",
    "REQUIRED",
    "TEXT_COLUMNS",
    "XLSX",
    "CellError",
    "Column",
    "ImportJob",
    "ImportResult",
    "JobNotFound",
    "ParsedRow",
    "Problem",
    "RowParser",
    "Table",
    "UploadRejected",
    "check_upload",
    "column_label",
    "excel_serial_to_date",
    "inline_max_bytes",
    "job_create",
    "job_get",
    "job_run",
    "job_start",
    "jobs_dir",
    "max_rows",
    "max_uncompressed_bytes",
    "max_upload_bytes",
    "max_zip_entries",
    "members_import",
    "parse_date",
    "read_table",
    "safe_filename",
    "template_example",
    "too_big_message",
    "write_template_csv",
    "write_template_xlsx",
]
