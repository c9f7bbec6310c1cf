"""The index behind name search: `Member.search_key` (the accent- and case-folded full name) is
matched as a substring, which a B-tree cannot serve.

- SQLite: an FTS5 table `members_member_fts` with the `trigram` tokenizer (SQLite >= 3.34), an
  external-content table over `members_member` kept in step by three triggers (insert, update of
  `search_key`, delete), so every path that writes members, raw SQL and `bulk_create` included,
  keeps it current. A term of 3 characters or more is matched with
  `id IN (SELECT rowid FROM members_member_fts WHERE members_member_fts MATCH '"term"')`: a
  trigram phrase is an exact substring match, the same rows as `LIKE '%term%'`.
- PostgreSQL: the `pg_trgm` extension and a GIN index `search_key gin_trgm_ops`, which serves
  the plain `LIKE '%term%'` of `search_key__contains`. `search_key` is already folded by
  `chibo.core.text.fold`, so `unaccent` is not needed.

Terms of 1 or 2 characters have no trigram: they keep the plain filter (a scan).
`ensure_search_index` runs after every `migrate` too: SQLite loses a table's triggers when a
migration rebuilds the table, and this puts them back (and refills the index).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.db.models.expressions import RawSQL

FTS_TABLE = "members_member_fts"
TRGM_INDEX = "members_member_search_key_trgm"
MIGRATION = ("members", "0004_name_search_index")
MIN_TERM = 3  # a trigram index cannot answer shorter terms
TRIGGERS = ("members_member_fts_ai", "members_member_fts_ad", "members_member_fts_au")

SQLITE_CREATE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_key, content='members_member', content_rowid='id', tokenize='trigram')"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS members_member_fts_ai AFTER INSERT ON members_member BEGIN "
    "INSERT INTO members_member_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
    "CREATE TRIGGER IF NOT EXISTS members_member_fts_ad AFTER DELETE ON members_member BEGIN "
    "INSERT INTO members_member_fts(members_member_fts, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); END",
    "CREATE TRIGGER IF NOT EXISTS members_member_fts_au AFTER UPDATE OF search_key, id ON members_member BEGIN "
    "INSERT INTO members_member_fts(members_member_fts, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); "
    "INSERT INTO members_member_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
]
SQLITE_REBUILD = "INSERT INTO members_member_fts(members_member_fts) VALUES ('rebuild')"
PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON members_member USING gin (search_key gin_trgm_ops)",
]


def sqlite_has_trigram(connection: BaseDatabaseWrapper) -> bool:
    import sqlite3

    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 34, 0)


def create_search_index(connection: BaseDatabaseWrapper) -> None:
    """Create the index (and fill it from the rows already there)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in PG_CREATE:
                cursor.execute(sql)
        elif sqlite_has_trigram(connection):
            cursor.execute(SQLITE_CREATE_TABLE)
            for sql in SQLITE_TRIGGERS:
                cursor.execute(sql)
            cursor.execute(SQLITE_REBUILD)


def drop_search_index(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")  # the extension may serve others: kept
        elif connection.vendor == "sqlite":
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def ensure_search_index(connection: BaseDatabaseWrapper) -> None:
    """After a migration: on SQLite, put back triggers a table rebuild dropped (and refill)."""
    if not sqlite_has_trigram(connection):
        return
    from django.db.migrations.recorder import MigrationRecorder

    if (MIGRATION not in MigrationRecorder(connection).applied_migrations()
            or "members_member" not in connection.introspection.table_names()):
        return  # not (or no longer) migrated to the index
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'members_member'")
        present = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
        has_table = cursor.fetchone() is not None
    if has_table and present.issuperset(TRIGGERS):
        return
    create_search_index(connection)


def fts_phrase(term: str) -> str:
    """`term` as one FTS5 string (a phrase): double quotes doubled, so no input is an operator."""
    return '"' + term.replace('"', '""') + '"'


def name_contains_q(key: str, connection: BaseDatabaseWrapper) -> Q:
    """Members whose `search_key` holds `key` (already folded), through the index when it can."""
    if "\x00" in key:  # no stored name holds a NUL (PostgreSQL cannot even be asked; FTS5 ends the string)
        return Q(pk__in=[])
    if len(key) >= MIN_TERM and sqlite_has_trigram(connection):
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 (constant)
        return Q(pk__in=RawSQL(sql, [fts_phrase(key)]))  # noqa: S611 (the term is a parameter)
    return Q(search_key__contains=key)


def on_post_migrate(using: str = "default", **_kw: Any) -> None:
    from django.db import connections

    ensure_search_index(connections[using])
