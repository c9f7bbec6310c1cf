"""Exporting members (issue 4, item 6; security.md G5, G15, G21, G31).

People and members come from tests/members/conftest.py: `staff` (organization committee, on
MT-P) may see sensitive fields; `sec_a` (secretary of MT-CA) may not. An's identity number
(NID_AN) is the canary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from chibo.accounts.models import RoleAssignment
from chibo.core.models import AuditEvent, ReadLogEntry
from chibo.members import exporting, importing
from chibo.members.models import Member

from .conftest import NID_AN, NID_BINH, NID_CUONG, NID_DUNG

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

PAYLOADS = {
    "an": {"full_name": '=HYPERLINK("http://x","y")', "admission_decision_no": "+1+1", "phone": "-2+3",
           "card_number": "@SUM(A1)"},
    "cuong": {"full_name": "\t=1", "admission_decision_no": "\r=1", "phone": "\0zero"},  # no NUL on PostgreSQL
    "binh": {"full_name": "Trần Thị Bình علی", "admission_decision_no": 'a "b", c\nd'},
}


@pytest.fixture
def seeded(mt_members):
    """The members with formula payloads stored as they are (written past the validation on
    purpose: the export must be safe whatever the data holds)."""
    for key, values in PAYLOADS.items():
        if connection.vendor != "sqlite":
            values = {k: v.replace("\0", "") if k == "phone" else v for k, v in values.items()}
        Member.objects.filter(pk=mt_members[key].pk).update(**values)
    return mt_members


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def get(client, **params):
    return client.get("/members/io/export/", params)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def by_name(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}


def test_csv_contents_quoting_and_formula_neutralising(seeded, mt_people, mt_login, mt_english):
    r = get(mt_login(mt_people["staff"]), under="MT-P", format="csv")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv") and "attachment" in r["Content-Disposition"]
    assert r["Cache-Control"] == "no-store"
    body = body_of(r)
    rows = csv_rows(body)
    assert rows[0][:3] == ["full name", "gender", "date of birth"]
    assert len(rows) == 4  # An, Bình, Cường; Dũng is in another province
    people = by_name(rows)
    an = people["'" + PAYLOADS["an"]["full_name"]]
    assert an["admission decision number"] == "'+1+1"
    assert an["phone"] == "'-2+3"
    assert an["party card number"] == "'@SUM(A1)"
    assert an["citizen identity number"] == NID_AN  # staff may see it
    assert an["ethnicity"] == "Tày" and an["religion"] == "Buddhism"
    assert an["date of birth"] == "1990-03-04" and an["cell code"] == "MT-CA"
    cuong = people["'\t=1"]
    assert cuong["admission decision number"] == "'\r=1"
    assert cuong["phone"] == ("'\0zero" if connection.vendor == "sqlite" else "zero")
    assert cuong["status"] == "Official member"
    binh = people["Trần Thị Bình علی"]
    assert binh["admission decision number"] == 'a "b", c\nd'
    # RFC 4180: CRLF records, quotes doubled inside quoted fields; Unicode byte-exact in UTF-8
    assert b'"a ""b"", c\nd"' in body and b"\r\n" in body
    assert "Trần Thị Bình علی".encode() in body


def test_xlsx_has_no_formulas(seeded, mt_people, mt_login, mt_english):
    r = get(mt_login(mt_people["staff"]), under="MT-P", format="xlsx")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = openpyxl.load_workbook(io.BytesIO(body_of(r)))
    ws = wb.worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells if isinstance(c.value, str)]
    for payload in ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "=1", "\r=1"):
        assert not any(v.lstrip("\t") == payload for v in values), payload
    assert "'" + '=HYPERLINK("http://x","y")' in values and "'@SUM(A1)" in values and "'+1+1" in values
    header = [c.value for c in ws[1]]
    birth = header.index("date of birth")
    assert {type(row[birth].value) for row in ws.iter_rows(min_row=2)} == {dt.datetime}
    assert "Trần Thị Bình علی" in values
    assert NID_AN in values


def test_sensitive_columns_are_blank_for_a_role_without_view_sensitive(mt_members, mt_people, mt_login, mt_english):
    client = mt_login(mt_people["sec_a"])
    body = body_of(get(client, under="MT-CA", format="csv"))
    assert NID_AN.encode() not in body and NID_CUONG.encode() not in body
    people = by_name(csv_rows(body))
    an = people["Nguyễn Văn An"]
    assert an["ethnicity"] == an["religion"] == an["citizen identity number"] == ""
    assert an["party card number"] == "CARD-AN-01"
    xlsx = body_of(get(client, under="MT-CA", format="xlsx"))
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        text = b"".join(zf.read(n) for n in zf.namelist())
    assert NID_AN.encode() not in text and "Tày".encode() not in text and b"Buddhism" not in text
    entry = ReadLogEntry.objects.filter(purpose="export").latest("id")
    assert entry.actor == mt_people["sec_a"]
    audit = AuditEvent.objects.filter(action="member.export").latest("id")
    assert (audit.after or {})["sensitive"] is False


def test_every_export_is_logged(mt_tree, mt_members, mt_people, mt_login):
    org = mt_tree["MT-G"]
    path = org.version_on(dt.date.today()).path
    client = mt_login(mt_people["staff"])
    for fmt in ("csv", "xlsx"):
        assert get(client, under="MT-G", format=fmt).status_code == 200
    # one read per exported member (An, Bình, Cường under MT-G), each under the member's cell
    reads = ReadLogEntry.objects.filter(purpose="export", target_type="members.member")
    assert reads.count() == 2 * 3
    assert sorted(reads.values_list("target_id", flat=True)) == sorted(
        str(m.pk) for m in (mt_members["an"], mt_members["binh"], mt_members["cuong"]) for _format in "ab")
    assert {p.startswith(path) for p in reads.values_list("org_path", flat=True)} == {True}
    assert set(reads.values_list("actor", flat=True)) == {mt_people["staff"].pk}
    audits = AuditEvent.objects.filter(action="member.export", target_id=str(org.pk))
    assert audits.count() == 2 and {a.org_path for a in audits} == {path}
    # the values never go to the logs
    for text in (str(list(reads.values())), str(list(audits.values()))):
        assert NID_AN not in text and "Nguyễn Văn An" not in text


def test_a_sibling_cell_cannot_be_exported(mt_members, mt_people, mt_login):
    client = mt_login(mt_people["sec_b"])
    before = ReadLogEntry.objects.count()
    for fmt in ("csv", "xlsx"):
        assert get(client, under="MT-CA", format=fmt).status_code == 404
        assert get(client, under="NO-SUCH-ORG", format=fmt).status_code == 404
    assert get(client, under="MT-CB", format="csv").status_code == 200
    assert ReadLogEntry.objects.count() == before + 1  # Bình, the one member of cell B
    assert mt_login(mt_people["nobody"]).get("/members/io/export/", {"under": "MT-CA"}).status_code == 403


def test_the_export_is_authorized_again_on_every_request(mt_members, mt_people, mt_login):
    """No replayable links (G31): the same URL stops working the moment the role is gone."""
    client = mt_login(mt_people["sec_a"])
    assert get(client, under="MT-CA", format="csv").status_code == 200
    RoleAssignment.objects.filter(user=mt_people["sec_a"]).delete()
    assert get(client, under="MT-CA", format="csv").status_code == 403
    client.logout()
    assert get(client, under="MT-CA", format="csv").status_code == 302


def test_columns_date_and_bad_options(mt_members, mt_people, mt_login, mt_english):
    client = mt_login(mt_people["staff"])
    rows = csv_rows(body_of(client.get("/members/io/export/?under=MT-CA&columns=full_name&columns=card_number")))
    assert rows[0] == ["full name", "party card number"]
    assert sorted(r[0] for r in rows[1:]) == ["Nguyễn Văn An", "Đặng Văn Cường"]
    early = csv_rows(body_of(get(client, under="MT-CA", as_of="2015-06-01")))
    assert [r[0] for r in early[1:]] == ["Nguyễn Văn An"]  # Cường was admitted in 2016
    assert "Probationary member" in early[1]
    assert get(client, under="MT-CA", columns="full_name,password").status_code == 400
    assert get(client, under="MT-CA", format="pdf").status_code == 400
    assert get(client, under="MT-CA", as_of="yesterday").status_code == 400
    form = client.get("/members/io/export/")
    assert form.status_code == 200 and b'name="columns"' in form.content


def test_an_exported_file_imports_again_as_unchanged(tmp_path, mt_members, mt_people, mt_login, mt_english,
                                                     settings):
    settings.VAR_DIR = tmp_path
    for fmt in ("csv", "xlsx"):
        body = body_of(get(mt_login(mt_people["staff"]), under="MT-P", format=fmt))
        path = tmp_path / f"export.{fmt}"
        path.write_bytes(body)
        result = importing.members_import(actor=mt_people["staff"], user=mt_people["staff"], path=path,
                                          kind=importing.check_upload(path), dry_run=False)
        assert result.ok, result.problems
        assert (result.new, result.unchanged) == (0, 3)


def test_command_line_export(tmp_path, mt_members, mt_people):
    out = tmp_path / "members.csv"
    call_command("members_export", "--under", "MT-P", "--format", "csv", "--out", str(out),
                 "--columns", "full_name", "national_id", "--language", "en")
    rows = csv_rows(out.read_bytes())
    assert rows[0] == ["full name", "citizen identity number"]
    assert sorted(r[1] for r in rows[1:]) == sorted([NID_AN, NID_BINH, NID_CUONG])
    assert NID_DUNG not in out.read_text(encoding="utf-8-sig")
    masked = tmp_path / "masked.xlsx"
    call_command("members_export", "--under", "MT-CA", "--format", "xlsx", "--out", str(masked), "--as", "mt_sec_a")
    wb = openpyxl.load_workbook(masked)
    assert NID_AN not in {c.value for row in wb.worksheets[0].iter_rows() for c in row}
    # one read per member of cell A exported (An, Cường)
    assert ReadLogEntry.objects.filter(purpose="export", actor=mt_people["sec_a"]).count() == 2
    with pytest.raises(CommandError):
        call_command("members_export", "--under", "MT-CA", "--out", str(masked), "--as", "mt_sec_b")


def test_safe_text():
    for risky in ("=1", "+1", "-1", "@x", "\t1", "\r1", "\0x"):
        assert exporting.safe_text(risky) == "'" + risky
    assert exporting.safe_text("Nguyễn") == "Nguyễn"
    assert exporting.safe_text("a=1") == "a=1"


@pytest.mark.slow
def test_export_memory_is_bounded():
    """~20,000 members exported in fresh processes: the peak RSS stays under 100 MB and grows
    by well under the data's size (rows are streamed, never held)."""
    script = ROOT / "tests" / "members" / "files" / "export_memory.py"
    env = {"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin"}
    shm = Path("/dev/shm")  # noqa: S108 (a RAM disk for the throwaway database, when there is one)
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        db = str(Path(tmp) / "members.sqlite3")
        subprocess.run([sys.executable, str(script), "build", db, "20000"], env=env, check=True, timeout=600)
        for fmt in ("csv", "xlsx"):
            done = subprocess.run([sys.executable, str(script), "export", db, fmt], env=env, check=True,
                                  capture_output=True, text=True, timeout=600)
            stats = json.loads(done.stdout.strip().splitlines()[-1])
            assert stats["bytes"] > 500_000, stats
            assert stats["peak_kb"] < 100 * 1024, stats
            assert stats["peak_kb"] - stats["baseline_kb"] < 40 * 1024, stats
