"""Importing members from XLSX and CSV (issue 4, item 5; security.md G9, G16, G17).

The files are generated here (tests/members/files/spreadsheets.py). The tree and people come
from tests/members/conftest.py: cells MT-CA and MT-CB under MT-P; `sec_a` may change MT-CA only,
`sec_b` MT-CB only; MT-CQ is outside everyone's scope but the administrator's.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from chibo.core.models import AuditEvent
from chibo.members import importing
from chibo.members.choices import EventType, Status
from chibo.members.models import Affiliation, Member, MemberEvent

from .conftest import NID_AN
from .files import spreadsheets as S

pytestmark = pytest.mark.django_db
D = dt.date
NAMES = ["Nguyễn Văn Ánh", "Đặng Thị Hồng", "Trần Quốc Tuấn", "Hà Ngọc Anh"]


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "var").mkdir()


def run(tmp_path: Path, data: bytes, user, *, dry_run: bool = False, name: str = "f") -> importing.ImportResult:
    path = tmp_path / name
    path.write_bytes(data)
    kind = importing.check_upload(path)
    return importing.members_import(actor=user, user=user, path=path, kind=kind, dry_run=dry_run,
                                    source="test")


def four_people(**values) -> list[dict]:
    genders = ["Male", "Female", "Male", "Female"]
    ids = ["001090123401", "001190123402", "001090123403", "001190123404"]
    return [S.row(full_name=n, gender=g, national_id=i, **values) for n, g, i in zip(NAMES, genders, ids, strict=True)]


# --- the template ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en", "ko", "fa"])
def test_template_in_each_language(lang, mt_tree, mt_people, mt_login):
    r = mt_login(mt_people["sec_a"]).get("/members/io/template.xlsx", {"lang": lang})
    assert r.status_code == 200
    assert r["Content-Language"] == lang
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    first, instructions = wb.worksheets[0], wb.worksheets[1]
    rows = list(first.iter_rows(values_only=True))
    with translation.override(lang):
        expected = [str(c.label) + (" *" if c.required else "") for c in importing.COLUMNS]
        assert _("full name") in rows[0][0]
    assert list(rows[0]) == expected
    assert len(rows) == 2  # the columns and one example row
    example = dict(zip([c.key for c in importing.COLUMNS], rows[1], strict=True))
    assert example["cell"] == "MT-CA"  # a cell the user may change
    keys = {row[3] for row in instructions.iter_rows(values_only=True)}
    assert {"male", "female", "private_enterprise", "advanced_political_theory", "01", "54"} <= keys
    csv_r = mt_login(mt_people["sec_a"]).get("/members/io/template.csv", {"lang": lang})
    assert csv_r.status_code == 200 and csv_r.content.startswith(b"\xef\xbb\xbf")


def test_vietnamese_template_differs_from_english(mt_tree, mt_people, mt_login):
    client = mt_login(mt_people["sec_a"])
    heads = {}
    for lang in ("vi", "en"):
        wb = openpyxl.load_workbook(io.BytesIO(client.get("/members/io/template.xlsx", {"lang": lang}).content))
        heads[lang] = next(wb.worksheets[0].iter_rows(values_only=True))
    assert heads["vi"][0].startswith("họ và tên")
    assert heads["en"][0].startswith("full name")


def test_the_filled_template_imports(tmp_path, mt_tree, mt_people, mt_login):
    for lang in ("vi", "en", "ko", "fa"):
        body = mt_login(mt_people["sec_a"]).get("/members/io/template.xlsx", {"lang": lang}).content
        with translation.override(lang):
            result = run(tmp_path, body, mt_people["sec_a"], dry_run=True, name=f"t-{lang}.xlsx")
        assert result.ok, (lang, result.problems)
        assert result.new == 1


# --- dry run, commit, idempotence --------------------------------------------------------------


def test_dry_run_reports_and_writes_nothing(tmp_path, mt_tree, mt_people, mt_members, mt_english):
    before = Member.objects.count()
    rows = S.people(7) + [S.row(full_name="Nguyễn Văn An", birth_date="04/03/1990", national_id=NID_AN)]  # An is registered
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"], dry_run=True)
    assert (result.total_rows, result.new, result.unchanged, result.error_rows) == (8, 7, 1, 0)
    assert result.unchanged_rows == [9]
    assert Member.objects.count() == before
    assert not AuditEvent.objects.filter(action__in=["member.import", "member.bulk_create"]).exists()


def test_good_file_imports_and_second_import_changes_nothing(tmp_path, mt_tree, mt_people, mt_english):
    rows = S.people(30) + [S.row(full_name="Hà Ngọc Anh", gender="Female", national_id="001190555555",
                                 official_date="03/02/2021", card_number="CARD-77")]
    data = S.as_xlsx(rows)
    result = run(tmp_path, data, mt_people["sec_a"])
    assert result.committed and result.created == result.new == 31
    anh = Member.objects.get(national_id="001190555555")
    assert anh.full_name == "Hà Ngọc Anh" and anh.status == Status.OFFICIAL
    assert anh.ceremony_date == D(2020, 2, 3) and anh.official_date == D(2021, 2, 3)
    assert anh.admission_decision_date == D(2020, 1, 20) and anh.admission_decision_no == "12-QĐ/ĐU"
    assert list(MemberEvent.objects.filter(member=anh).values_list("type", "on")) == [
        (EventType.ADMITTED, D(2020, 2, 3)), (EventType.RECOGNIZED, D(2021, 2, 3))]
    aff = Affiliation.objects.get(member=anh)
    assert aff.org == mt_tree["MT-CA"] and aff.valid_from == D(2020, 2, 3) and aff.valid_to is None
    audit = AuditEvent.objects.get(action="member.import")
    assert (audit.after or {})["created"] == 31 and audit.actor == mt_people["sec_a"]
    count = Member.objects.count()
    again = run(tmp_path, data, mt_people["sec_a"], name="again.xlsx")
    assert (again.new, again.unchanged, again.error_rows, again.created) == (0, 31, 0, 0)
    assert Member.objects.count() == count


def test_one_bad_row_imports_nothing_and_names_row_column_reason(tmp_path, mt_tree, mt_people):
    rows = S.people(5)
    rows[3]["full_name"] = "Nguyễn Văn 3"  # spreadsheet row 5
    for lang, column in (("en", "full name"), ("vi", "họ và tên")):
        with translation.override(lang):
            result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"], name=f"bad-{lang}.csv")
            reason = _("A name cannot contain digits.")
            label = [p.column_label for p in result.problems]
        assert not result.committed and result.created == 0
        assert Member.objects.count() == 0
        assert [(p.row, p.column, p.message) for p in result.problems] == [(5, "full_name", reason)]
        assert label == [column]
    assert AuditEvent.objects.filter(action="member.import", after__committed=False).count() == 2


def test_errors_found_by_the_bulk_rules_name_their_row(tmp_path, mt_tree, mt_people, mt_english):
    admin = mt_people["admin"]
    rows = S.people(3)
    rows[1]["cell"] = "MT-G"  # a grassroots committee: members belong to cells
    rows[2].update(ceremony_date="03/02/1999", admission_decision_date="",  # before the cell existed (2000)
                   birth_date="15/05/1970", national_id="", card_number="99000001")
    result = run(tmp_path, S.as_csv(rows), admin)
    got = [(p.row, p.column) for p in result.problems]
    assert got == [(3, "cell"), (4, "cell")]
    assert "party cells" in result.problems[0].message
    assert Member.objects.count() == 0


def test_row_checks(tmp_path, mt_tree, mt_people, mt_english):
    rows = S.people(8)
    rows[0]["official_date"] = "04/02/2021"  # not ceremony + 12 months
    rows[1]["national_id"] = rows[2]["national_id"]  # repeated in the file
    rows[3]["national_id"] = ""  # neither identity nor card number
    rows[4]["gender"] = "maybe"
    rows[5]["birth_date"] = "31/02/1990"
    rows[6]["full_name"] = "Nguyễn\u202eVăn"  # a bidi override
    rows[7]["ceremony_date"] = ""
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"])
    got = {(p.row, p.column) for p in result.problems}
    assert got == {(2, "official_date"), (4, "national_id"), (5, "national_id"), (6, "gender"),
                   (7, "birth_date"), (8, "full_name"), (9, "ceremony_date")}
    by_row = {p.row: p.message for p in result.problems}
    assert "03/02/2021" in by_row[2] and "12 months" in by_row[2]
    assert "row 3" in by_row[4]
    assert Member.objects.count() == 0


def test_missing_required_column_is_reported_on_the_header(tmp_path, mt_tree, mt_people, mt_english):
    data = b"full name,gender\nAn,Male\n"
    result = run(tmp_path, data, mt_people["sec_a"], name="h.csv")
    assert {(p.row, p.column) for p in result.problems} == {
        (1, "birth_date"), (1, "cell"), (1, "ceremony_date")}


def test_headers_in_another_language_and_keys(tmp_path, mt_tree, mt_people, mt_english):
    rows = S.people(2)
    vi = run(tmp_path, S.as_csv(rows, lang="vi"), mt_people["sec_a"], dry_run=True, name="vi.csv")
    assert vi.ok and vi.new == 2
    keys = ",".join(S.KEYS).encode() + b"\n" + S.as_csv(rows).split(b"\n", 1)[1]
    by_key = run(tmp_path, keys, mt_people["sec_a"], dry_run=True, name="keys.csv")
    assert by_key.ok and by_key.new == 2
    semicolons = run(tmp_path, S.as_csv(rows, delimiter=";"), mt_people["sec_a"], dry_run=True, name="sc.csv")
    assert semicolons.ok and semicolons.new == 2


def test_text_is_stored_in_nfc(tmp_path, mt_tree, mt_people):
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hòa")
    run(tmp_path, S.as_csv([S.row(full_name=nfd, gender="Nữ", national_id="001190222333")]), mt_people["sec_a"])
    member = Member.objects.get()
    assert member.full_name == "Nguyễn Thị Hòa" and len(member.full_name) == 14
    assert member.gender == "female"


def test_csv_without_bom_and_utf16(tmp_path, mt_tree, mt_people):
    rows = four_people()
    plain = run(tmp_path, S.as_csv(rows, encoding="utf-8"), mt_people["sec_a"], dry_run=True, name="a.csv")
    utf16 = run(tmp_path, S.as_csv(rows, encoding="utf-16"), mt_people["sec_a"], dry_run=True, name="b.csv")
    assert plain.ok and plain.new == 4 and utf16.ok and utf16.new == 4


# --- legacy encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize("builder, encoding", [
    (lambda rows: S.tcvn3_csv(rows), "tcvn3"),
    (lambda rows: S.as_xlsx(rows, text=S.tcvn3_text), "tcvn3"),
    (lambda rows: S.vni_csv(rows), "vni"),
    (lambda rows: S.as_xlsx(rows, text=S.vni_text), "vni"),
], ids=["tcvn3-csv", "tcvn3-xlsx", "vni-csv", "vni-xlsx"])
def test_legacy_encoded_files_import_with_correct_diacritics(builder, encoding, tmp_path, mt_tree, mt_people):
    rows = four_people(occupation="Doanh nghiệp tư nhân", religion="Phật giáo")
    result = run(tmp_path, builder(rows), mt_people["sec_a"])
    assert result.encoding == encoding
    assert result.ok, result.problems
    assert sorted(Member.objects.values_list("full_name", flat=True)) == sorted(NAMES)
    assert set(Member.objects.values_list("occupation", "religion")) == {("private_enterprise", "buddhism")}
    assert set(Member.objects.values_list("admission_decision_no", flat=True)) == {"12-QĐ/ĐU"}


def test_legacy_text_that_cannot_be_converted_is_refused(tmp_path, mt_tree, mt_people, mt_english):
    rows = [S.row(full_name="Nguyễn Văn An", admission_decision_no="12")]
    data = S.as_csv(rows).replace("Nguyễn Văn An".encode(), "V¨n Ñaëng".encode("latin-1")).replace(
        b"\xef\xbb\xbf", b"")
    result = run(tmp_path, data, mt_people["sec_a"], name="x.csv")
    assert [(p.row, p.column) for p in result.problems] == [(2, "full_name")]
    assert "TCVN3 or VNI" in result.problems[0].message
    assert Member.objects.count() == 0


# --- dates -------------------------------------------------------------------------------------------


def test_serial_and_text_dates(tmp_path, mt_tree, mt_people):
    rows = [
        S.row(full_name="Nguyễn Văn Ánh", birth_date=S.serial(D(1990, 5, 15)),
              admission_decision_date=str(S.serial(D(2020, 1, 20))), ceremony_date=dt.datetime(2020, 2, 3),
              official_date="2021-02-03", card_date="19.05.2021", card_number="C-1"),
        S.row(full_name="Hà Ngọc Anh", gender="Female", national_id="001190123404", birth_date="1/6/1990",
              ceremony_date=float(S.serial(D(2020, 2, 3))), card_date="2021-05-19 00:00:00", card_number="C-2"),
    ]
    result = run(tmp_path, S.as_xlsx(rows), mt_people["sec_a"])
    assert result.ok, result.problems
    anh = Member.objects.get(full_name="Nguyễn Văn Ánh")
    assert (anh.birth_date, anh.admission_decision_date, anh.ceremony_date, anh.official_date, anh.card_date) == (
        D(1990, 5, 15), D(2020, 1, 20), D(2020, 2, 3), D(2021, 2, 3), D(2021, 5, 19))
    ha = Member.objects.get(full_name="Hà Ngọc Anh")
    assert (ha.birth_date, ha.ceremony_date, ha.card_date) == (D(1990, 6, 1), D(2020, 2, 3), D(2021, 5, 19))
    csv_rows = [S.row(national_id="001090123499", birth_date=str(S.serial(D(1990, 5, 15))), card_number="C-3")]
    result = run(tmp_path, S.as_csv(csv_rows), mt_people["sec_a"], name="dates.csv")
    assert result.ok and Member.objects.get(card_number="C-3").birth_date == D(1990, 5, 15)


def test_numeric_identity_numbers_keep_their_leading_zeros(tmp_path, mt_tree, mt_people):
    rows = [S.row(national_id=1090123401, phone=912345678)]
    assert run(tmp_path, S.as_xlsx(rows), mt_people["sec_a"]).ok
    member = Member.objects.get()
    assert member.national_id == "001090123401" and member.phone == "0912345678"


@pytest.mark.parametrize("value", ["15/05/90", "May 15 1990", "99999999", "00/00/0000", "true"])
def test_bad_dates(value):
    with pytest.raises(importing.CellError):
        importing.parse_date(value)


# --- scope ---------------------------------------------------------------------------------------------


def test_rows_for_cells_out_of_scope_read_no_such_cell(tmp_path, mt_tree, mt_people, mt_english):
    rows = S.people(4)
    rows[1]["cell"] = "MT-CA"  # sec_b's sibling cell
    rows[2]["cell"] = "NO-SUCH-CELL"
    rows[3]["cell"] = "MT-CQ"  # another province
    rows[0]["cell"] = "MT-CB"
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_b"])
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "cell", "No such cell."), (4, "cell", "No such cell."), (5, "cell", "No such cell.")]
    assert Member.objects.count() == 0
    # the administrator may import all of them but the unknown cell
    admin = run(tmp_path, S.as_csv(rows), mt_people["admin"], dry_run=True, name="admin.csv")
    assert [p.row for p in admin.problems] == [4]


def test_a_member_registered_out_of_scope_is_an_error_not_unchanged(tmp_path, mt_tree, mt_people, mt_members,
                                                                   mt_english):
    dung = mt_members["dung"]  # in MT-CQ, outside sec_a's scope
    rows = [S.row(full_name=dung.full_name, national_id=dung.national_id, birth_date="08/08/1988")]
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"])
    assert result.unchanged == 0
    assert [(p.row, p.column) for p in result.problems] == [(2, "national_id")]


# --- hostile uploads (G17) -------------------------------------------------------------------------------


def test_oversized_upload_is_refused(tmp_path, settings, mt_tree, mt_people, mt_login, mt_english):
    settings.CHIBO_IMPORT_MAX_BYTES = 2000
    data = S.as_csv(S.people(40))
    assert len(data) > 2000
    client = mt_login(mt_people["sec_a"])
    r = client.post("/members/io/", {"file": io.BytesIO(data)})
    assert r.status_code == 413
    assert "too large" in r.content.decode()
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with pytest.raises(importing.UploadRejected) as info:
        importing.check_upload(path)
    assert info.value.status == 413
    assert not list((settings.VAR_DIR / "imports").glob("*/upload.bin"))


def test_zip_bomb_is_refused_from_the_directory(tmp_path, mt_english):
    bomb = S.zip_bomb(250)
    assert len(bomb) < 2 * 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    start = time.monotonic()
    with pytest.raises(importing.UploadRejected) as info:
        importing.check_upload(path)
    assert time.monotonic() - start < 2
    assert "unpacks to more than" in info.value.message
    many = tmp_path / "many.xlsx"
    many.write_bytes(S.many_entries(3000))
    with pytest.raises(importing.UploadRejected, match="too many parts"):
        importing.check_upload(many)


def test_xml_bomb_is_refused(tmp_path, mt_tree, mt_people, mt_english):
    import defusedxml

    # openpyxl itself parses with defusedxml (and wraps its refusal in a ValueError)
    with pytest.raises(ValueError) as info:
        openpyxl.load_workbook(io.BytesIO(S.xml_bomb()), read_only=True)
    assert isinstance(info.value.__cause__ or info.value.__context__, defusedxml.DefusedXmlException)
    # our check refuses it before openpyxl opens it
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(S.xml_bomb())
    with pytest.raises(importing.UploadRejected, match="XML declarations"):
        importing.check_upload(path)
    # hidden behind a long comment, it passes the quick check and defusedxml refuses it
    path.write_bytes(S.xml_bomb(padding=8000))
    assert importing.check_upload(path) == "xlsx"
    with pytest.raises(importing.UploadRejected, match="XML declarations"):
        importing.members_import(actor=None, user=mt_people["sec_a"], path=path, kind="xlsx", dry_run=True)


@pytest.mark.parametrize("data, message", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not a spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    (b"full name,gender\n\x00\x01\x02binary", "not a text"),
    (S.many_entries(1).replace(b"[Content_Types].xml", b"[Content_Typez].xml"), "not an Excel workbook"),
    (b"PK\x03\x04 broken zip", "damaged"),
    (b"", "empty"),
], ids=["png", "xls", "binary", "zip-not-xlsx", "broken-zip", "empty"])
def test_wrong_magic_bytes_are_refused(data, message, tmp_path, mt_english):
    path = tmp_path / "upload.xlsx"  # the name says xlsx; only the bytes count
    path.write_bytes(data)
    with pytest.raises(importing.UploadRejected, match=message.replace(".", r"\.")):
        importing.check_upload(path)


def test_file_names_are_never_paths(mt_tree, mt_people, mt_login, settings, mt_english):
    client = mt_login(mt_people["sec_a"])
    upload = io.BytesIO(S.as_csv(S.people(1)))
    upload.name = "../../../etc/passwd\u202e.csv"
    r = client.post("/members/io/", {"file": upload})
    assert r.status_code == 302
    jobs = list((settings.VAR_DIR / "imports").iterdir())
    assert len(jobs) == 1 and importing.JOB_ID.fullmatch(jobs[0].name)
    assert sorted(p.name for p in jobs[0].iterdir()) == ["state.json", "upload.bin"]
    job = importing.job_get(user=mt_people["sec_a"], job_id=jobs[0].name)
    assert job.filename == "passwd.csv"


# --- the pages ---------------------------------------------------------------------------------------------


def test_upload_check_then_commit(mt_tree, mt_people, mt_login, mt_english):
    client = mt_login(mt_people["sec_a"])
    assert client.get("/members/io/").status_code == 200
    r = client.post("/members/io/", {"file": io.BytesIO(S.as_xlsx(S.people(12)))})
    assert r.status_code == 302
    page = client.get(r["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "Import 12 members" in body
    assert Member.objects.count() == 0
    partial = client.get(r["Location"], HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    job_id = r["Location"].rstrip("/").rsplit("/", 1)[-1]
    done = client.post(f"/members/io/jobs/{job_id}/commit/")
    assert done.status_code == 302
    assert Member.objects.count() == 12
    assert "12 members were imported" in client.get(done["Location"]).content.decode()
    # a second click does nothing more
    client.post(f"/members/io/jobs/{job_id}/commit/")
    assert Member.objects.count() == 12


def test_page_with_errors_offers_no_commit(mt_tree, mt_people, mt_login, mt_english):
    client = mt_login(mt_people["sec_a"])
    rows = S.people(3)
    rows[2]["cell"] = "MT-CB"
    r = client.post("/members/io/", {"file": io.BytesIO(S.as_csv(rows))})
    body = client.get(r["Location"]).content.decode()
    assert "No such cell." in body and "cell code" in body and "Import 2 members" not in body
    job_id = r["Location"].rstrip("/").rsplit("/", 1)[-1]
    client.post(f"/members/io/jobs/{job_id}/commit/")
    assert Member.objects.count() == 0


def test_jobs_of_another_user_answer_404(mt_tree, mt_people, mt_login):
    owner = mt_login(mt_people["sec_a"])
    r = owner.post("/members/io/", {"file": io.BytesIO(S.as_csv(S.people(2)))})
    url = r["Location"]
    job_id = url.rstrip("/").rsplit("/", 1)[-1]
    for name in ("sec_b", "staff", "admin"):
        other = mt_login(mt_people[name])
        assert other.get(url).status_code == 404
        assert other.post(f"/members/io/jobs/{job_id}/commit/").status_code == 404
    assert owner.get(url).status_code == 200
    assert owner.get("/members/io/jobs/../../etc/").status_code == 404
    assert owner.get("/members/io/jobs/" + "0" * 32 + "/").status_code == 404
    assert Member.objects.count() == 0


def test_import_needs_the_right_to_change_members(mt_tree, mt_people, mt_login, client):
    assert mt_login(mt_people["viewer"]).get("/members/io/").status_code == 403
    assert mt_login(mt_people["nobody"]).post("/members/io/", {"file": io.BytesIO(b"x")}).status_code == 403
    r = client.get("/members/io/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_upload_needs_the_csrf_token(mt_tree, mt_people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(mt_people["sec_a"])
    r = client.post("/members/io/", {"file": io.BytesIO(S.as_csv(S.people(1)))})
    assert r.status_code == 403


def test_large_files_run_in_the_background(mt_tree, mt_people, mt_login, settings, monkeypatch, mt_english):
    settings.CHIBO_IMPORT_INLINE_MAX_BYTES = 0
    started = []
    monkeypatch.setattr(importing.jobs, "_spawn", lambda job, user, commit: started.append((job.id, commit)))
    client = mt_login(mt_people["sec_a"])
    r = client.post("/members/io/", {"file": io.BytesIO(S.as_csv(S.people(5)))})
    job_id = r["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert started == [(job_id, False)]
    page = client.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    # what the thread does
    job = importing.job_get(user=mt_people["sec_a"], job_id=job_id)
    importing.job_run(job, user=mt_people["sec_a"], commit=False)
    page = client.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in page and "Import 5 members" in page
    client.post(f"/members/io/jobs/{job_id}/commit/")
    assert started[-1] == (job_id, True)
    importing.job_run(importing.job_get(user=mt_people["sec_a"], job_id=job_id), user=mt_people["sec_a"],
                      commit=True)
    assert Member.objects.count() == 5
    assert not (settings.VAR_DIR / "imports" / job_id / "upload.bin").exists()


@pytest.mark.django_db(transaction=True)
def test_background_thread_end_to_end(mt_tree, mt_people, mt_login, settings, mt_english):
    settings.CHIBO_IMPORT_INLINE_MAX_BYTES = 0
    client = mt_login(mt_people["sec_a"])
    r = client.post("/members/io/", {"file": io.BytesIO(S.as_csv(S.people(5)))})
    job_id = r["Location"].rstrip("/").rsplit("/", 1)[-1]
    deadline = time.monotonic() + 30
    job = importing.job_get(user=mt_people["sec_a"], job_id=job_id)
    while job.phase not in ("ready", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = importing.job_get(user=mt_people["sec_a"], job_id=job_id)
    assert job.phase == "ready", job
    assert job.outcome is not None and job.outcome.new == 5


# --- the command line --------------------------------------------------------------------------------------


def test_command_line(tmp_path, mt_tree, mt_people):
    good = tmp_path / "good.csv"
    good.write_bytes(S.as_csv(S.people(3)))
    out = io.StringIO()
    call_command("members_import", str(good), "--dry-run", "--as", "mt_sec_a", "--language", "en", stdout=out)
    assert "New members: 3" in out.getvalue() and "Dry run" in out.getvalue()
    assert Member.objects.count() == 0
    out = io.StringIO()
    call_command("members_import", str(good), "--as", "mt_sec_a", "--language", "en", stdout=out)
    assert "Imported 3 members" in out.getvalue()
    audit = AuditEvent.objects.get(action="member.import")
    assert audit.actor == mt_people["sec_a"] and audit.org_path
    out = io.StringIO()
    call_command("members_import", str(good), "--language", "en", stdout=out)
    assert "Unchanged (already registered): 3" in out.getvalue()
    rows = S.people(2)
    rows[1]["cell"] = "MT-CB"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(S.as_csv(rows))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("members_import", str(bad), "--as", "mt_sec_a", "--language", "en", stdout=out)
    assert "Row 3, cell code: No such cell." in out.getvalue()
    assert Member.objects.count() == 3


def test_control_characters_are_refused(tmp_path, mt_tree, mt_people, mt_english):
    rows = [S.row(admission_decision_no="12\x02QĐ")]
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"])
    assert [(p.row, p.column) for p in result.problems] == [(2, "admission_decision_no")]
    assert "control characters" in result.problems[0].message


def test_column_names_below_a_title(tmp_path, mt_tree, mt_people, mt_english):
    """Registers often start with a title; the column names are found in the first rows and
    the rows keep their spreadsheet numbers."""
    rows = S.people(2)
    rows[1]["gender"] = "?"
    body = b"DANH S\xc3\x81CH \xc4\x90\xe1\xba\xa2NG VI\xc3\x8aN,,\n\n" + S.as_csv(rows).replace(b"\xef\xbb\xbf", b"")
    result = run(tmp_path, body, mt_people["sec_a"], dry_run=True, name="title.csv")
    assert [(p.row, p.column) for p in result.problems] == [(5, "gender")]
    assert result.total_rows == 2


def test_an_oversized_body_is_refused_before_it_is_read(settings, mt_tree, mt_people, mt_login, mt_english):
    settings.CHIBO_IMPORT_MAX_BYTES = 1000
    r = mt_login(mt_people["sec_a"]).post("/members/io/", {"file": io.BytesIO(b"x" * 200_000)})
    assert r.status_code == 413 and "too large" in r.content.decode()
