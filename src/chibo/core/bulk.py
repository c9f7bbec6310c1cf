"""Fast inserts for bulk paths (imports, generated data): the rows are validated before, by the
caller; this only writes them with `executemany` (SQLite) or `COPY` (PostgreSQL) in the caller's
transaction. The ORM's
`bulk_create` spends most of its time building SQL (see docs/performance.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def _sqlite_rows(rows: Iterable[Sequence[Any]], dated: list[int]) -> Iterable[Sequence[Any]]:
    """Dates as ISO text for SQLite, converting only the columns of date fields (a check of
    every value cost a fifth of a bulk write)."""
    if not dated:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for i in dated:
            value = values[i]
            if isinstance(value, dt.date):  # datetimes too
                values[i] = value.isoformat()
        yield values


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]],
                batch: int = 5000) -> int:
    """INSERT rows (tuples in `fields` order, foreign keys as ids) into `model`'s table."""
    meta = model._meta
    columns = [str(getattr(meta.get_field(name), "column", name)) for name in fields]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (identifiers from model metadata)
        qn(str(meta.db_table)), ", ".join(qn(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    if connection.vendor == "postgresql":
        return _copy_rows(str(meta.db_table), columns, rows)
    dated = [i for i, name in enumerate(fields) if isinstance(meta.get_field(name), models.DateField)]
    n = 0
    chunk: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in _sqlite_rows(rows, dated):
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                n += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            n += len(chunk)
    return n


def _copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """PostgreSQL: COPY FROM STDIN (3-4x the rows/s of executemany; constraints and triggers
    still apply)."""
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def allocate_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` new primary keys for `model`, reserved inside the caller's transaction: from the
    sequence on PostgreSQL; on SQLite (whose write transaction holds the database lock) above
    both the largest id and the AUTOINCREMENT counter, so that no id is ever reused."""
    table = str(model._meta.db_table)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, n])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(connection.vendor)
        cursor.execute(f"SELECT MAX(id) FROM {qn(table)}")  # noqa: S608 (identifier from model metadata)
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, row[0] if row and row[0] else 0)
        return list(range(top + 1, top + 1 + n))
