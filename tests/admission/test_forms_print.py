"""The printable KNĐ forms of the admission dossier: each form prints the record's values (names,
dates, document numbers, votes, the introducers' party-card data), always in Vietnamese; a form
whose act is not recorded yet prints with blanks; an unknown form and another cell's applicant
are 404; every print is a logged read."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from chibo.admission import printforms, services
from chibo.admission.models import Applicant, Step
from chibo.core.models import ReadLogEntry
from chibo.members.models import Member

from .conftest import SYSTEM, D, listed, walk

pytestmark = pytest.mark.django_db


def _url(applicant: Applicant, form: str) -> str:
    return reverse("admission:print_form", args=[applicant.pk, form])


@pytest.fixture
def official_applicant(cell_a, officials) -> Applicant:
    """Walked through the whole procedure, with its own vote counts and resolution numbers."""
    Member.objects.filter(pk=officials[0].pk).update(card_number="01234567", card_date=D(2021, 5, 19))
    a = walk(listed(cell_a, helper=officials[2]), officials, Step.OPINIONS)
    services.vote_record(actor=SYSTEM, applicant=a, on=D(2022, 6, 6), votes_for=5, votes_against=1,
                         document_no="07-NQ/CB")
    a = walk(a, officials, Step.NEW_MEMBER_COURSE)
    services.vote_record(actor=SYSTEM, applicant=a, on=D(2023, 8, 7), votes_for=4, votes_against=2,
                         document_no="15-NQ/CB")
    return walk(a, officials, Step.RECOGNITION_DECISION)


EXPECTED: dict[str, list[str]] = {
    "1-knd": ["Mẫu <bdi>1-KNĐ</bdi>", "ĐƠN XIN VÀO ĐẢNG", "Chi bộ khu phố 1", "Đảng bộ phường Hồng Gai",
              "awareness_course-1", ">10</span> tháng <span class=\"filled\">04</span> năm <span class=\"filled\">1995<"],
    "2-knd": ["Mẫu <bdi>2-KNĐ</bdi>", "NGUYỄN THỊ ỨNG VIÊN"],
    "3-knd": ["Mẫu <bdi>3-KNĐ</bdi>", "GIẤY GIỚI THIỆU NGƯỜI VÀO ĐẢNG", "01234567", "19/05/2021"],
    "5-knd": ["Mẫu <bdi>5-KNĐ</bdi>", "opinions-1"],
    "6-knd": ["Mẫu <bdi>6-KNĐ</bdi>", "07-NQ/CB", '"filled">6</span> đồng chí', '"filled">5</span> đồng chí',
              '"filled">83,33</span>%', '"filled">1</span> đồng chí', '"filled">16,67</span>%'],
    "8-knd": ["Mẫu <bdi>8-KNĐ</bdi>", "grassroots_resolution-1", "07-NQ/CB", "Đảng bộ thành phố Hạ Long"],
    "9-knd": ["Mẫu <bdi>9-KNĐ</bdi>", "decision-QĐ", "BAN THƯỜNG VỤ THÀNH ỦY", "grassroots_resolution-1"],
    "10-knd": ["Mẫu <bdi>10-KNĐ</bdi>", "decision-QĐ", '"filled">01</span> tháng <span class="filled">08</span>'],
    "13-knd": ["Mẫu <bdi>13-KNĐ</bdi>", "15-NQ/CB", '"filled">4</span> đồng chí', '"filled">66,67</span>%',
               '"filled">33,33</span>%'],
    "15-knd": ["Mẫu <bdi>15-KNĐ</bdi>", "recognition_resolution-1", "15-NQ/CB"],
    "recognition-decision": ["CÔNG NHẬN ĐẢNG VIÊN CHÍNH THỨC".lower(), "recognition_decision-QĐ",
                             "recognition_resolution-1"],
}


def test_every_form_is_tested():
    assert set(EXPECTED) == set(printforms.FORMS)


@pytest.mark.parametrize("form", list(EXPECTED))
def test_each_form_prints_the_record(form, official_applicant, officials, client_secretary_a):
    r = client_secretary_a.get(_url(official_applicant, form))
    assert r.status_code == 200
    body = r.content.decode()
    assert "Nguyễn Thị Ứng Viên" in body or "NGUYỄN THỊ ỨNG VIÊN" in body
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in body
    for value in EXPECTED[form]:
        assert value in body, (form, value)
    assert 'id="not-recorded"' not in body
    assert '<article class="knd" lang="vi" dir="ltr">' in body


def test_introduction_prints_one_sheet_per_introducer(official_applicant, officials, client_secretary_a):
    body = client_secretary_a.get(_url(official_applicant, "3-knd")).content.decode()
    assert body.count("GIẤY GIỚI THIỆU NGƯỜI VÀO ĐẢNG") == 2
    assert officials[0].full_name in body and officials[1].full_name in body
    assert officials[2].full_name not in body  # the helper did not introduce


def test_decisions_date_from_the_act(official_applicant, client_secretary_a):
    body = client_secretary_a.get(_url(official_applicant, "9-knd")).content.decode()
    assert '"filled">15</span> tháng <span class="filled">07</span> năm <span class="filled">2022<' in body
    body = client_secretary_a.get(_url(official_applicant, "recognition-decision")).content.decode()
    # official from the end of the probation (12 months from the ceremony)
    assert '"filled">01</span> tháng <span class="filled">08</span> năm <span class="filled">2023<' in body


def test_a_form_not_recorded_yet_prints_with_blanks(cell_a, client_secretary_a):
    a = listed(cell_a)
    for form in printforms.FORMS:
        r = client_secretary_a.get(_url(a, form))
        assert r.status_code == 200, form
        body = r.content.decode()
        assert 'id="not-recorded"' in body, form
        assert 'class="blank' in body, form
        assert "Nguyễn Thị Ứng Viên" in body or "NGUYỄN THỊ ỨNG VIÊN" in body
    body = client_secretary_a.get(_url(a, "3-knd")).content.decode()
    assert body.count("GIẤY GIỚI THIỆU NGƯỜI VÀO ĐẢNG") == 2  # two blank sheets


def test_a_failed_vote_does_not_fill_the_resolution(cell_a, officials, client_secretary_a):
    a = walk(listed(cell_a), officials, Step.OPINIONS)
    services.vote_record(actor=SYSTEM, applicant=a, on=D(2022, 6, 6), votes_for=1, votes_against=5,
                         document_no="99-NQ/CB")
    body = client_secretary_a.get(_url(a, "6-knd")).content.decode()
    assert "99-NQ/CB" not in body
    assert 'id="not-recorded"' in body


def test_the_form_stays_vietnamese_the_page_follows_the_language(official_applicant, client_secretary_a):
    client_secretary_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client_secretary_a.get(_url(official_applicant, "1-knd")).content.decode()
    assert "Back to the applicant" in body and "Print" in body
    assert "ĐƠN XIN VÀO ĐẢNG" in body
    assert "Nữ" in body and "Female" not in body  # the choice values in Vietnamese
    client_secretary_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    body = client_secretary_a.get(_url(official_applicant, "1-knd")).content.decode()
    assert "Back to the applicant" not in body


def test_unknown_form_is_404(official_applicant, client_secretary_a):
    for form in ("4-knd", "xyz", "1-KND"):
        assert client_secretary_a.get(f"/admission/{official_applicant.pk}/print/{form}/").status_code == 404
    assert client_secretary_a.get(_url(official_applicant, "1-knd").replace(
        str(official_applicant.pk), "999999")).status_code == 404


def test_another_cell_gets_404(official_applicant, client_secretary_b):
    for form in printforms.FORMS:
        assert client_secretary_b.get(_url(official_applicant, form)).status_code == 404


def test_every_print_is_a_logged_read(official_applicant, client_secretary_a, client_secretary_b):
    client_secretary_a.get(_url(official_applicant, "6-knd"))
    client_secretary_b.get(_url(official_applicant, "6-knd"))
    client_secretary_a.get(f"/admission/{official_applicant.pk}/print/xyz/")
    logged = ReadLogEntry.objects.filter(target_type="admission.applicant", target_id=str(official_applicant.pk))
    assert list(logged.values_list("purpose", flat=True)) == ["admission.print.6-knd"]


def test_the_applicant_page_lists_the_forms(official_applicant, client_secretary_a):
    body = client_secretary_a.get(reverse("admission:detail", args=[official_applicant.pk])).content.decode()
    for form in printforms.FORMS:
        assert f'href="{_url(official_applicant, form)}"' in body
