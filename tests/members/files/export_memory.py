"""Peak memory of an export, measured in fresh processes (tests/members/test_export.py).

    python export_memory.py build DB N      # an SQLite database with one cell of N members
    python export_memory.py export DB FMT   # export them; prints JSON with the peak RSS

The export runs in its own process so that its peak RSS is not the builder's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import sys
import time


def peak_rss_kb() -> int:
    """The peak resident set of this process image: VmHWM, which starts afresh at exec
    (ru_maxrss can carry the forking parent's peak over on Linux)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _setup(db: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "chibo.settings.test"
    import django

    django.setup()


def build(db: str, n: int) -> None:
    _setup(db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from chibo.members.bulk import EventSpec, MemberRecord, members_bulk_create
    from chibo.members.services import PersonData
    from chibo.orgs import kinds as K
    from chibo.orgs.services import org_establish

    on = dt.date(2000, 1, 1)
    top = org_establish(actor=None, code="MEM-P", name="Đảng bộ tỉnh", kind=K.PROVINCIAL, parent=None, on=on)
    mid = org_establish(actor=None, code="MEM-G", name="Đảng bộ xã", kind=K.GRASSROOTS_COMMITTEE, parent=top, on=on)
    cell = org_establish(actor=None, code="MEM-C", name="Chi bộ", kind=K.PARTY_CELL, parent=mid, on=on)
    records = [
        MemberRecord(
            person=PersonData(full_name=f"Nguyễn Văn Thành {i}".replace(str(i), "") + "ABCDEFGHIJ"[i % 10] * (1 + i % 7),
                              gender="male", birth_date=dt.date(1990, 1, 1), national_id=f"001090{i:06d}",
                              card_number=f"C{i:08d}", phone="0912345678"),
            events=[EventSpec(type="admitted", on=dt.date(2015, 5, 19), cell_id=cell.pk, decision_no=f"=QĐ {i}")],
        )
        for i in range(n)
    ]
    members_bulk_create(actor=None, records=records, source="memory test")


def export(db: str, fmt: str) -> None:
    _setup(db)
    from chibo.accounts.models import User
    from chibo.members import exporting

    baseline = peak_rss_kb()
    start = time.monotonic()
    system = User(username="system", is_superuser=True, is_active=True)
    prepared = exporting.members_export_prepare(user=system, actor=None, code="MEM-P", fmt=fmt)
    if fmt == "csv":
        with open(os.devnull, "wb") as out:
            size = exporting.write_csv(prepared, out)
    else:
        path, _count = exporting.xlsx_tempfile(prepared)
        size = os.path.getsize(path)
        os.unlink(path)
    peak = peak_rss_kb()
    print(json.dumps({"baseline_kb": baseline, "peak_kb": peak, "bytes": size,
                      "seconds": round(time.monotonic() - start, 2)}))


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2], int(sys.argv[3]))
    else:
        export(sys.argv[2], sys.argv[3])
