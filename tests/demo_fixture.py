"""The demo, built once for the whole test session (imported by tests/conftest.py).

`demo_quang_ninh` runs `chibo demo --no-serve --province 22` once, into the test database:
the administrative units, the organization tree up to 2025-06-30, the members, the 2025 reform
applied through the restructuring feature, the demo sign-ins. Building takes most of a minute,
so the tests of several packages (tests/orgs/test_demo.py, tests/members/test_demo_members.py,
tests/restructuring/test_demo_reform.py) share it and only read (each test still runs in a
savepoint of its own, pytest-django's `db`, so a test that writes is rolled back).

`demo_tuyen_quang_ha_giang` then adds Tuyên Quang (08) and Hà Giang (02), which the reform merged
(tests/restructuring/test_demo_merge.py): their organizations and members first, the counts
before the reform kept, then `chibo demo --no-serve --province 02`, which finds them present and
applies the one plan of the merged province. Its tests run after every test of Quảng Ninh alone.

The build is committed, exactly as on the command line: inside an enclosing transaction (to
roll it back) every one of its tens of thousands of savepoints would cost SQLite's in-memory test
database more and more (releasing one walks the whole statement journal), which made the build
take twice as long. So no other test may run after it: `pytest_collection_modifyitems` moves
every test that uses the fixture to the end of the run (in their collection order), and at the
end of the session the database is flushed (as after a `transactional_db` test: the rows the
`post_migrate` handlers seed are written again), so it is left as it was.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS

QUANG_NINH_FIXTURE = "demo_quang_ninh"
MERGED_FIXTURE = "demo_tuyen_quang_ha_giang"


@dataclass(frozen=True)
class DemoRun:
    stdout: str  # what `chibo demo` printed (the sign-ins)
    stderr: str  # its progress lines
    seconds: float


@dataclass(frozen=True)
class MergedRun(DemoRun):
    counts_before: dict[str, dict[str, int]]  # 08, 02 -> `orgs count` on 2024-06-30, before the reform
    members_before: dict[int, list[int]]  # member -> cells on 2025-06-30, before the reform


def _flush() -> None:
    call_command("flush", interactive=False, verbosity=0, database=DEFAULT_DB_ALIAS)


@pytest.fixture(scope="session")
def demo_quang_ninh(django_db_setup, django_db_blocker) -> Iterator[DemoRun]:
    with django_db_blocker.unblock():
        try:
            out, err = io.StringIO(), io.StringIO()
            started = time.monotonic()
            call_command("demo", "--no-serve", "--base-only", "--province", "22", stdout=out, stderr=err)
            run = DemoRun(out.getvalue(), err.getvalue(), time.monotonic() - started)
        except BaseException:
            _flush()
            raise
    yield run
    with django_db_blocker.unblock():
        _flush()


@pytest.fixture(scope="session")
def demo_tuyen_quang_ha_giang(demo_quang_ninh, django_db_blocker) -> MergedRun:
    from chibo.demo import members as members_demo
    from chibo.demo import orgs as org_demo
    from tests.restructuring.helpers_demo import DAY_BEFORE, counts, member_cells

    with django_db_blocker.unblock():
        org_demo.build_demo(provinces=org_demo.with_reform_partners([org_demo.HA_GIANG]))
        members_demo.build_members(provinces=(members_demo.TUYEN_QUANG, members_demo.HA_GIANG))
        before = {code: counts(code, "2024-06-30") for code in ("08", "02")}
        members = member_cells(DAY_BEFORE, ["08", "02"])
        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        call_command("demo", "--no-serve", "--base-only", "--province", "02", stdout=out, stderr=err)
        return MergedRun(out.getvalue(), err.getvalue(), time.monotonic() - started, before, members)


def _rank(item: pytest.Item) -> int:
    names = getattr(item, "fixturenames", ())
    return 2 if MERGED_FIXTURE in names else 1 if QUANG_NINH_FIXTURE in names else 0


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests on the shared demo run last, those on Quảng Ninh alone first (see the module's
    docstring); otherwise in their collection order."""
    if any(_rank(i) for i in items):
        items[:] = sorted(items, key=_rank)  # stable
