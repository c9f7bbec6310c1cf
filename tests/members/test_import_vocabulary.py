"""The member import against real-world files (issue 12; issue 18 item 10): the headings and
values committees write, identifier collisions with other people, the register's own rules,
invisible characters and markup in names, legacy encodings, and messages a clerk can act on.
Every file is generated here."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from chibo.core.vnencoding import encode_cp1258, encode_tcvn3, encode_vni, legacy_text
from chibo.members import importing
from chibo.members.choices import ETHNIC_GROUPS, Status, TheoryLevel
from chibo.members.importing import vocabulary
from chibo.members.models import Member
from chibo.members.validation import clean_full_name

from .conftest import NID_AN
from .files import spreadsheets as S

pytestmark = pytest.mark.django_db

# How committees head their columns: Vietnamese names, in odd case, spacing and without marks.
COMMITTEE_HEADINGS = {
    "full_name": "Họ và tên", "gender": "GIỚI TÍNH", "birth_date": "Ngày, tháng, năm sinh", "ethnicity": "Dân tộc",
    "religion": "Tôn giáo", "national_id": "Số CCCD", "phone": "Số điện thoại", "general_education": "Giáo dục phổ thông",
    "professional_level": "Trình độ chuyên môn", "theory_level": "Lý luận chính trị", "occupation": "Nghề nghiệp",
    "cell": "Chi bộ", "admission_decision_no": "Số QĐ kết nạp", "admission_decision_date": "ngay qd ket nap",
    "ceremony_date": "Ngày kết nạp (lễ kết nạp)", "official_date": "Ngày  công nhận   chính thức",
    "card_number": "Số thẻ đảng", "card_date": "Ngày cấp thẻ",
}


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "var").mkdir()


def run(tmp_path: Path, data: bytes, user, *, dry_run: bool = False, ignore_unknown: bool = False):
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return importing.members_import(actor=user, user=user, path=path, kind=importing.check_upload(path),
                                    dry_run=dry_run, source="test", ignore_unknown=ignore_unknown)


def table(rows: list[dict], headings: dict[str, str], extra: dict[str, str] | None = None) -> list[list]:
    keys = list(headings)
    out = [[headings[k] for k in keys] + list(extra or {})]
    for r in rows:
        out.append([r.get(k, "") for k in keys] + list((extra or {}).values()))
    return out


def as_csv(cells: list[list], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(cells)
    return buffer.getvalue().encode(encoding)


def as_xlsx(cells: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    for r in cells:
        wb.active.append([None if v == "" else v for v in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def committee_rows(n: int) -> list[dict]:
    """`n` official members as a committee lists them: Vietnamese values, identity and card
    numbers, theory level, official date."""
    rows = S.people(n, gender="Nam", ethnicity="Kinh", religion="Không", general_education="12/12",
                    professional_level="Đại học", theory_level="Sơ cấp", occupation="Cơ quan",
                    official_date="03/02/2021", card_date="19/05/2021")
    return [dict(r, card_number=f"4200{i:04d}") for i, r in enumerate(rows)]


# --- finding 1: every column is read or reported ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_committee_file_with_the_usual_headings_imports_every_column(fmt, tmp_path, mt_tree, mt_people, mt_english):
    cells = table(committee_rows(100), COMMITTEE_HEADINGS)
    data = as_csv(cells) if fmt == "csv" else as_xlsx(cells)
    result = run(tmp_path, data, mt_people["sec_a"])
    assert result.ok, result.problems[:3]
    assert result.created == 100
    assert sorted(key for _heading, key in result.columns_read) == sorted(COMMITTEE_HEADINGS)
    members = Member.objects.filter(national_id__startswith="0010901")
    assert members.count() == 100
    assert not members.filter(card_number__isnull=True).exists()
    assert set(members.values_list("status", flat=True)) == {Status.OFFICIAL}
    assert set(members.values_list("theory_level", flat=True)) == {TheoryLevel.ELEMENTARY}
    assert set(members.values_list("official_date", flat=True)) == {dt.date(2021, 2, 3)}


def test_an_unknown_column_refuses_the_file_unless_ignored(tmp_path, mt_tree, mt_people, mt_english):
    headings = dict(COMMITTEE_HEADINGS, national_id="Số CCCD mới")  # renamed: not a known heading
    cells = table(committee_rows(3), headings, extra={"Quê quán": "Hà Nội"})
    before = Member.objects.count()
    refused = run(tmp_path, as_csv(cells), mt_people["sec_a"])
    assert not refused.ok and Member.objects.count() == before
    messages = [p.message for p in refused.problems if p.row == 1]
    assert any("“Số CCCD mới”" in m and "Column F" in m for m in messages)
    assert any("“Quê quán”" in m for m in messages)
    ignored = run(tmp_path, as_csv(cells), mt_people["sec_a"], ignore_unknown=True)
    assert ignored.ok and ignored.created == 3
    assert ignored.columns_ignored == ["F: Số CCCD mới", "S: Quê quán"]


def test_the_command_line_refuses_unknown_columns_unless_told(tmp_path, mt_tree, mt_people, mt_english):
    path = tmp_path / "f.csv"
    path.write_bytes(as_csv(table(committee_rows(2), COMMITTEE_HEADINGS, extra={"Ghi chú": "x"})))
    with pytest.raises(CommandError):
        call_command("members_import", str(path), "--dry-run", "--language", "en", stdout=io.StringIO())
    out = io.StringIO()
    call_command("members_import", str(path), "--dry-run", "--ignore-unknown-columns", "--language", "en", stdout=out)
    assert "Column ignored: S: Ghi chú" in out.getvalue()
    assert "Column “Số CCCD” read as: citizen identity number" in out.getvalue()


def test_the_page_offers_to_ignore_unknown_columns_and_lists_the_columns_read(
        mt_tree, mt_people, mt_login, mt_english):
    client = mt_login(mt_people["sec_a"])
    assert 'name="ignore_unknown"' in client.get("/members/io/").content.decode()
    data = as_csv(table(committee_rows(2), COMMITTEE_HEADINGS, extra={"Ghi chú": "x"}))
    page = client.get(client.post("/members/io/", {"file": io.BytesIO(data)})["Location"]).content.decode()
    assert "“Ghi chú”" in page and "Import 2 members" not in page
    assert "New members" not in page  # a failing file does not announce new members
    r = client.post("/members/io/", {"file": io.BytesIO(data), "ignore_unknown": "on"})
    page = client.get(r["Location"]).content.decode()
    assert "18 columns were read" in page and "Ngày kết nạp (lễ kết nạp)" in page
    assert "Import 2 members" in page


# --- finding 2: a number that belongs to someone else -----------------------------------------------


def test_an_identifier_of_a_different_person_is_an_error_naming_both(
        tmp_path, mt_tree, mt_people, mt_members, mt_english):
    rows = [S.row(full_name="Lê Công Hoàng", birth_date="01/01/1990", national_id=NID_AN),
            S.row(full_name="Trần Văn Mới", national_id="001090555001", card_number="CARD-AN-01")]
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"], dry_run=True)
    assert (result.unchanged, result.error_rows) == (0, 2)
    by_row = {p.row: p for p in result.problems}
    assert by_row[2].column == "national_id"
    assert "Nguyễn Văn An (04/03/1990)" in by_row[2].message and "Lê Công Hoàng (01/01/1990)" in by_row[2].message
    assert by_row[3].column == "card_number" and "Nguyễn Văn An" in by_row[3].message
    assert "Trần Văn Mới" in by_row[3].message


def test_a_collision_outside_the_scope_does_not_name_the_other_person(
        tmp_path, mt_tree, mt_people, mt_members, mt_english):
    result = run(tmp_path, S.as_csv([S.row(full_name="Lê Công Hoàng", national_id=mt_members["dung"].national_id,
                                           birth_date="08/08/1988")]), mt_people["sec_a"], dry_run=True)
    assert result.error_rows == 1
    assert "another organization" in result.problems[0].message and "Dũng" not in result.problems[0].message


# --- finding 3: the vocabulary in use ------------------------------------------------------------------


@pytest.mark.parametrize(("written", "code"), [
    ("H'Mông", "08"), ("Hmông", "08"), ("HMONG", "08"), ("H’Mông", "08"), ("Mèo", "08"), ("Ê-đê", "12"),
    ("Êđê", "12"), ("Bru - Vân Kiều", "23"), ("Vân Kiều", "23"), ("K'Ho", "16"), ("Xơ-đăng", "14"), ("Khơ Me", "05"),
    ("giẻ triêng", "27"), ("M'Nông", "20"), ("Ra Glai", "21"), ("X'Tiêng", "22"), ("Tà-ôi", "31"), ("08", "08"),
])
def test_spellings_of_the_ethnic_groups_are_read(written, code, tmp_path, mt_tree, mt_people):
    result = run(tmp_path, S.as_csv([S.row(ethnicity=written)]), mt_people["sec_a"])
    assert result.ok, result.problems
    assert Member.objects.get(national_id="001090123401").ethnicity == code


def test_every_name_in_the_ethnic_table_names_one_of_the_54_groups():
    lookup = vocabulary.ethnic_lookup()
    assert len(vocabulary.ETHNIC_OTHER_NAMES) == len(ETHNIC_GROUPS) == 54
    for number, (name, others) in enumerate(vocabulary.ETHNIC_OTHER_NAMES.items(), start=1):
        for spelling in (name, name.upper(), *others):
            assert lookup[vocabulary.compact(spelling)] == f"{number:02d}", spelling


@pytest.mark.parametrize(("written", "level"), [
    ("5/10", "primary"), ("7/10", "lower_secondary"), ("9/12", "lower_secondary"), ("10/10", "upper_secondary"),
    ("11/12", "lower_secondary"), ("12/12", "upper_secondary"), ("9/10", "lower_secondary"), ("4/10", "primary"),
    ("Lớp 12/12", "upper_secondary"), ("12 / 12", "upper_secondary"),
])
def test_general_education_as_grade_and_system(written, level, tmp_path, mt_tree, mt_people):
    result = run(tmp_path, S.as_csv([S.row(general_education=written)]), mt_people["sec_a"])
    if level == "primary":  # read, then refused by the admission rule (at least lower secondary)
        assert result.ok or all("“" + written not in p.message for p in result.problems)
        assert vocabulary.education_from_grade(written) == level
        return
    assert result.ok, result.problems
    assert Member.objects.get(national_id="001090123401").general_education == level


@pytest.mark.parametrize("written", ["13/12", "11/11", "0/12", "mười hai"])
def test_an_unknown_education_says_how_to_write_it(written, tmp_path, mt_tree, mt_people, mt_english):
    result = run(tmp_path, S.as_csv([S.row(general_education=written)]), mt_people["sec_a"], dry_run=True)
    (problem,) = result.problems
    assert problem.column == "general_education" and "9/12" in problem.message and "10/10" in problem.message


def test_a_misspelt_value_suggests_what_to_write(tmp_path, mt_tree, mt_people, mt_english):
    rows = [S.row(ethnicity="Mông X"), S.row(national_id="001090123402", ethnicity="Kinhh"),
            S.row(national_id="001090123403", gender="Mle"), S.row(national_id="001090123404", gender="Xyzw")]
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"], dry_run=True)
    messages = {p.row: p.message for p in result.problems}
    assert "write “Mông”" in messages[2]
    assert "write “Kinh”" in messages[3]
    assert "write “Male”" in messages[4]
    assert messages[5].endswith("write one of “Male”, “Female”.")


def test_capped_errors_list_each_kind_first_with_its_count(tmp_path, mt_tree, mt_people, monkeypatch, mt_english):
    monkeypatch.setattr(importing.columns, "MAX_ERRORS_KEPT", 20)
    rows = [S.row(national_id=f"0010901{i:05d}", phone="12ab") for i in range(60)]
    rows.append(S.row(national_id="001090199999", birth_date="31/02/1990"))  # the one different error
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"], dry_run=True)
    assert result.more_problems == 41 and result.show_kinds
    kinds = result.error_kinds
    assert [(k.column, k.count) for k in kinds] == [("phone", 60), ("birth_date", 1)]
    assert kinds[1].row == 62


# --- finding 4: the register's rules, as of each row's dates ---------------------------------------------


def test_admission_before_18_is_refused(tmp_path, mt_tree, mt_people, mt_english):
    rows = [S.row(national_id="001204123401", birth_date="15/05/2004", admission_decision_date="",
                  ceremony_date="20/06/2020"),  # 16
            S.row(national_id="001202123402", birth_date="15/04/2002", admission_decision_date="",
                  ceremony_date="20/02/2020")]  # 17 years 10 months
    before = Member.objects.count()
    result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"])
    assert Member.objects.count() == before
    assert [(p.row, p.column) for p in result.problems] == [(2, "birth_date"), (3, "birth_date")]
    assert all("Too young to be admitted" in p.message for p in result.problems)


def test_the_minimum_age_comes_from_the_rulebook_as_of_the_row(tmp_path, mt_tree, mt_people, mt_english):
    from chibo.rules.models import PolicyParameter

    rule = PolicyParameter.objects.get(key="admission.min_age_months", org__isnull=True)
    PolicyParameter.objects.filter(pk=rule.pk).update(value=240)  # 20 years, for the test
    row = S.row(national_id="001099123401", birth_date="15/05/1999", ceremony_date="20/06/2018",
                admission_decision_date="")  # 19
    result = run(tmp_path, S.as_csv([row]), mt_people["sec_a"], dry_run=True)
    assert result.problems and "at least 20" in result.problems[0].message


def test_all_of_a_rows_errors_are_found_in_one_pass(tmp_path, mt_tree, mt_people, mt_english):
    row = S.row(full_name="Nguyễn Văn 2", gender="X", national_id="001080123401")
    result = run(tmp_path, S.as_csv([row]), mt_people["sec_a"], dry_run=True)
    assert sorted(p.column for p in result.problems) == ["full_name", "gender", "national_id"]


# --- finding 5 and issue 18 item 10: names ------------------------------------------------------------


@pytest.mark.parametrize("name", ["Nguyễn\u200cVăn An", "Nguyễn Văn\u2060 An", "Trần\u00adThị Bé", "Lê\u2062Văn"])
def test_format_characters_in_a_vietnamese_name_are_refused(name, tmp_path, mt_tree, mt_people, mt_english):
    result = run(tmp_path, S.as_csv([S.row(full_name=name)]), mt_people["sec_a"], dry_run=True)
    (problem,) = result.problems
    assert problem.column == "full_name" and "invisible" in problem.message


def test_a_persian_name_keeps_its_zero_width_non_joiner():
    assert clean_full_name("محمد\u200cرضا") == "محمد\u200cرضا"


@pytest.mark.parametrize(("name", "says"), [
    ("<script>alert(1)</script>", "“<” or “>”"), ('=HYPERLINK("http://x","An")', "“=”"), ("+Nguyễn An", "“+”"),
    ("@Nguyễn An", "“@”"), ("Nguyễn <b>An</b>", "“<” or “>”"),
])
def test_markup_and_formulas_are_not_names(name, says, tmp_path, mt_tree, mt_people, mt_english):
    result = run(tmp_path, S.as_csv([S.row(full_name=name)]), mt_people["sec_a"], dry_run=True)
    assert [p.column for p in result.problems] == ["full_name"]
    assert says in result.problems[0].message
    with pytest.raises(ValidationError):
        clean_full_name(name)  # the forms and the API say the same


# --- finding 6: legacy encodings -----------------------------------------------------------------------

LEGACY_NAMES = ["Ngô Thị Bé", "Nguyễn Văn Ánh", "Đặng Thị Hồng", "Trần Quốc Tuấn", "Hoàng Thùy Linh"]


@pytest.mark.parametrize(("encoding", "to_bytes"), [
    ("cp1258", encode_cp1258),
    ("tcvn3", encode_tcvn3),
    ("vni", lambda s: encode_vni(s).encode("cp1252")),
])
def test_a_legacy_csv_is_detected_and_converted(encoding, to_bytes, tmp_path, mt_tree, mt_people, mt_english):
    rows = [S.row(full_name=n, national_id=f"00109012340{i}", gender="Male" if i % 2 == 0 else "Female")
            for i, n in enumerate(LEGACY_NAMES)]
    rows = [dict(r, national_id=r["national_id"][:3] + ("0" if r["gender"] == "Male" else "1") + r["national_id"][4:])
            for r in rows]
    text = S.as_csv(rows).decode("utf-8-sig")
    data = b"\n".join(to_bytes(line) for line in text.split("\n"))
    result = run(tmp_path, data, mt_people["sec_a"])
    assert result.encoding == encoding
    assert result.ok, result.problems
    assert sorted(Member.objects.filter(national_id__in=[r["national_id"] for r in rows])
                  .values_list("full_name", flat=True)) == sorted(LEGACY_NAMES)


def test_windows_1258_text_in_a_workbook_cell_is_converted(tmp_path, mt_tree, mt_people):
    cells = [S.header("en")] + [[legacy_text(encode_cp1258(v)) if isinstance(v, str) else v
                                 for v in (S.row(full_name="Ngô Thị Bé", gender="Female",
                                                 national_id="001190123401").get(k, "") for k in S.KEYS)]]
    result = run(tmp_path, as_xlsx(cells), mt_people["sec_a"])
    assert result.encoding == "cp1258" and result.ok, result.problems
    assert Member.objects.filter(full_name="Ngô Thị Bé").exists()


# --- finding 7: messages ---------------------------------------------------------------------------------


def test_a_damaged_workbook_is_called_damaged(tmp_path, mt_tree, mt_people, mt_english):
    data = as_xlsx(table(committee_rows(30), COMMITTEE_HEADINGS))
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(importing.UploadRejected) as exc:
        importing.members_import(actor=None, user=None, path=path, kind=importing.check_upload(path),
                                 dry_run=True)
    assert "damaged" in exc.value.message and "BadZipFile" not in exc.value.message


@pytest.mark.parametrize("lang", ["vi", "en", "ko", "fa"])
def test_the_new_messages_are_translated(lang, tmp_path, mt_tree, mt_people):
    rows = [S.row(general_education="13/12"), S.row(national_id="001090123402", full_name="=SUM(A1)")]
    with translation.override(lang):
        result = run(tmp_path, S.as_csv(rows), mt_people["sec_a"], dry_run=True)
    with translation.override("en"):
        english = run(tmp_path, S.as_csv(rows), mt_people["sec_a"], dry_run=True)
    assert len(result.problems) == 2
    if lang != "en":
        assert [p.message for p in result.problems] != [p.message for p in english.problems]


@settings(deadline=None)  # timing is not what this tests (the machine is shared)
@given(st.lists(st.text(alphabet="0123456789AB", min_size=1, max_size=4), max_size=300))
def test_seen_numbers_finds_the_first_row_of_each_repeat(values):
    from chibo.members.importing.run import SeenNumbers

    seen, first = SeenNumbers(size=4), {}
    for row, value in enumerate(values, start=2):
        assert seen.first(value, row) == first.get(value)
        first.setdefault(value, row)


# --- the status column, as Chibo's export writes it: read and checked, never dropped ----------------


def test_a_status_column_is_checked_against_the_dates(tmp_path, mt_tree, mt_people, mt_english):
    headings = dict(COMMITTEE_HEADINGS, status="Trạng thái")
    rows = committee_rows(4)
    rows[0]["status"] = "Đảng viên chính thức"  # official, with its date: fine
    rows[1]["status"] = "Đảng viên chính thức"
    rows[1]["official_date"] = ""  # official without a date: would be stored as probationary
    rows[2]["status"] = "Đảng viên dự bị"  # probationary, yet an official date
    rows[3]["status"] = "Từ trần"  # a new member cannot be registered as deceased
    before = Member.objects.count()
    result = run(tmp_path, as_csv(table(rows, headings)), mt_people["sec_a"])
    assert not result.ok and Member.objects.count() == before
    by_row = {(p.row, p.column): p.message for p in result.problems}
    assert "official member from" in by_row[(3, "official_date")]
    assert "probationary" in by_row[(4, "status")]
    assert "Deceased" in by_row[(5, "status")]
    assert not any(row == 2 for row, _column in by_row)
    assert ("Trạng thái", "status") in [tuple(c) for c in result.columns_read]
