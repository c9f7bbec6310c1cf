"""The workbook reader keeps the shared strings on disk (`DiskStrings`): read back exactly, by
position, whatever the text; the parsed elements are not kept."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chibo.members.importing.files import DiskStrings, read_shared_strings

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@given(st.lists(st.text(max_size=40), max_size=60))
def test_strings_come_back_by_position(texts):
    strings = DiskStrings()
    try:
        for t in texts:
            strings.append(t)
        strings.finish()
        assert len(strings) == len(texts)
        assert [strings[i] for i in range(len(texts))] == texts
        if texts:
            assert strings[-1] == texts[-1]
        with pytest.raises(IndexError):
            strings[len(texts)]
    finally:
        strings.close()


def test_the_shared_strings_part_is_read_with_rich_runs_and_escapes():
    xml = (f'<sst xmlns="{NS}" count="4" uniqueCount="4">'
           "<si><t>Nguyễn Văn An</t></si>"
           "<si><r><t>H'</t></r><r><t>Mông</t></r></si>"
           '<si><t xml:space="preserve"> 11/12 </t></si>'
           "<si><t>a_x005F_x000D_b</t></si></sst>").encode()
    strings = read_shared_strings(io.BytesIO(xml))
    try:
        assert [strings[i] for i in range(len(strings))] == ["Nguyễn Văn An", "H'Mông", " 11/12 ", "a_x000D_b"]
    finally:
        strings.close()


def test_a_workbook_reads_through_the_disk_strings(tmp_path, monkeypatch):
    import xlsxwriter

    from chibo.members.importing import files

    path = tmp_path / "dang-vien.xlsx"
    wb = xlsxwriter.Workbook(str(path))  # shared strings, as Excel writes them
    ws = wb.add_worksheet("Đảng viên")
    ws.write_row(0, 0, ["Họ và tên", "Dân tộc"])
    for n in range(300):
        ws.write_row(n + 1, 0, [f"Người thứ {n}", "H'Mông" if n % 2 else "Kinh"])
    wb.close()
    assert "xl/sharedStrings.xml" in zipfile.ZipFile(path).namelist()
    made: list[DiskStrings] = []
    real = files.read_shared_strings
    monkeypatch.setattr(files, "read_shared_strings", lambda src: made.append(real(src)) or made[-1])
    table = files.read_table(path, "xlsx")
    with table.rows() as rows:
        got = list(rows)
    assert (got[0][0], got[0][1][:2]) == (1, ["Họ và tên", "Dân tộc"])
    assert (got[-1][0], got[-1][1][:2]) == (301, ["Người thứ 299", "H'Mông"])
    assert len(made) == 1 and len(made[0]) == 304  # 2 headings, 300 names, "Kinh" and "H'Mông", each once
