"""Name search is served by an index made for it (issue 20): an FTS5 trigram table kept by
triggers on SQLite, a pg_trgm GIN index on PostgreSQL. The query plan is asserted, and the rows
found equal the plain `search_key LIKE '%term%'` filter's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.core.text import fold
from chibo.members import selectors
from chibo.members.models import Member
from chibo.members.search_index import FTS_TABLE, TRGM_INDEX, ensure_search_index, name_contains_q

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"
SYLLABLES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
             "Ngô", "Dương", "Lý", "Văn", "Thị", "Hữu", "Đức", "Minh", "Thị", "Ngọc", "Thanh", "Anh", "Hòa",
             "Hoà", "Hưng", "Quỳnh", "Phượng", "Tuấn", "Dũng", "Cường", "Khánh", "Ánh", "Uyên", "Nguyên"]
# user input that is FTS5 syntax, and would fail or change meaning unquoted
HOSTILE = ['"', '""', '"nguyen', 'van"', "*", "nguy*", "OR", "van OR thi", "AND", "NOT", "NEAR(", "NEAR(a b)",
           "nguyen NEAR van", "(", ")", "^van", "-van", "+van", ":", "search_key:van", "{search_key}: van",
           "'", "';--", "%", "_", "\\", "van\x00", "a b", "ng%", "\u200b", "   ", "ễ", "đ"]


def _member(name: str) -> Member:
    return Member(full_name=name, search_key=fold(name), gender="male", birth_date=dt.date(1990, 1, 1),
                  status="official")


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        if SQLITE:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # a table of a few hundred rows: make the planner show which index it can use for the
        # filter (a sequential scan, or a walk of the search_key B-tree for the ORDER BY, would win)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_index_exists_after_migrate():
    with connection.cursor() as cursor:
        if SQLITE:
            cursor.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'members_member' AND type = 'trigger'")
            assert {r[0] for r in cursor.fetchall()} >= {"members_member_fts_ai", "members_member_fts_ad",
                                                         "members_member_fts_au"}
        else:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [TRGM_INDEX])
            assert "gin_trgm_ops" in cursor.fetchone()[0]


def test_the_name_filter_is_served_by_the_index(admin_user):
    Member.objects.bulk_create([_member(f"{a} {b} {c}") for a in SYLLABLES[:10] for b in SYLLABLES[10:20]
                                for c in SYLLABLES[20:]])
    if not SQLITE:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_member")
    qs = selectors.member_search(user=admin_user, q="nguyen van")
    sql, params = qs.query.sql_with_params()
    with transaction.atomic():
        plan = _plan(sql, list(params))
    if SQLITE:
        assert FTS_TABLE in plan and "VIRTUAL TABLE" in plan, plan
        assert "SCAN members_member" not in plan.replace(f"SCAN {FTS_TABLE}", ""), plan
    else:
        assert TRGM_INDEX in plan, plan
    found = set(qs.values_list("pk", flat=True))
    assert found == set(Member.objects.filter(search_key__contains="nguyen van").values_list("pk", flat=True))
    assert len(found) == len(SYLLABLES[20:]) * 1  # "Nguyễn Văn …": one first, one middle name


def test_the_triggers_keep_the_index(admin_user):
    m = Member.objects.create(**{f.name: getattr(_member("Phạm Thị Hương"), f.name)
                                 for f in Member._meta.concrete_fields if f.name not in {"id", "created_at"}})

    def found(q: str) -> set[int]:
        return set(selectors.member_search(user=admin_user, q=q).values_list("pk", flat=True))

    assert found("huong") == {m.pk}
    Member.objects.filter(pk=m.pk).update(full_name="Phạm Thị Lan", search_key=fold("Phạm Thị Lan"))
    assert found("huong") == set() and found("lan") == {m.pk} and found("pham thi lan") == {m.pk}
    Member.objects.filter(pk=m.pk).delete()
    assert found("pham") == set()


@pytest.mark.skipif(not SQLITE, reason="SQLite's triggers")
def test_lost_triggers_come_back_after_migrate(admin_user):
    Member.objects.bulk_create([_member("Ngô Bảo Châu")])
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER members_member_fts_ai")
    Member.objects.bulk_create([_member("Ngô Thì Nhậm")])  # missed by the index
    ensure_search_index(connection)  # what post_migrate runs
    assert selectors.member_search(user=admin_user, q="ngo").count() == 2
    Member.objects.bulk_create([_member("Ngô Quyền")])
    assert selectors.member_search(user=admin_user, q="ngo").count() == 3


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_input_neither_errors_nor_differs(admin_user, q):
    Member.objects.bulk_create([_member(n) for n in ('Nguyễn "Văn" An', "Trần OR Bình", "Lê NEAR(Cường",
                                                     "Võ * Dũng", "Hồ_Minh", "Đỗ 100% Anh", "Phan (Văn) Đức")])
    key = fold(q.replace("\x00", "").strip())
    found = set(selectors.member_search(user=admin_user, q=q).values_list("pk", flat=True))
    if key:
        assert found == set(Member.objects.filter(search_key__contains=key).values_list("pk", flat=True))


NAMES = st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=4).map(" ".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=25), data=st.data())
def test_index_finds_what_the_scan_finds(names, data):
    with transaction.atomic():
        Member.objects.bulk_create([_member(n) for n in names])
        source = data.draw(st.sampled_from(names))
        start = data.draw(st.integers(0, len(source) - 1))
        term = data.draw(st.one_of(st.just(source[start:start + data.draw(st.integers(1, 12))]),
                                   st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạễ \"*", max_size=8)))
        key = fold(term.strip())
        if key:
            indexed = set(Member.objects.filter(name_contains_q(key, connection)).values_list("pk", flat=True))
            plain = set(Member.objects.filter(search_key__contains=key).values_list("pk", flat=True))
            assert indexed == plain, (names, term)
        transaction.set_rollback(True)
