"""Fast inserts for bulk paths (imports, generated data): the rows are validated before, by the
caller; this only writes them with `executemany` in the caller's transaction. The ORM's
`bulk_create` spends most of its time building SQL (see docs/performance.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def _adapt(value: Any, vendor: str) -> Any:
    if vendor == "sqlite" and isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]],
                batch: int = 5000) -> int:
    """INSERT rows (tuples in `fields` order, foreign keys as ids) into `model`'s table."""
    meta = model._meta
    columns = [str(getattr(meta.get_field(name), "column", name)) for name in fields]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (identifiers from model metadata)
        qn(str(meta.db_table)), ", ".join(qn(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    vendor = connection.vendor
    n = 0
    chunk: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            chunk.append(tuple(_adapt(v, vendor) for v in row))
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                n += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            n += len(chunk)
    return n
