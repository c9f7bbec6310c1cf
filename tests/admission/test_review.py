"""The grassroots committee's monthly review of its cells' lists of outstanding people (issue 14,
item 1): recorded once a month by a committee that may change it, with the number of people then
on the lists and an audit event; refused with a clear message (nothing written) for a cell, a
future date or a second review in the month; another district's staff get 404."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from chibo.admission import services
from chibo.admission.models import SourceListReview
from chibo.core.history import action_phrase
from chibo.core.models import AuditEvent
from chibo.core.validtime import today

from .conftest import SYSTEM, D, listed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_review_counts_the_people_on_the_lists_and_is_audited(tree, cell_a):
    listed(cell_a, name="Nguyễn Thị Một")
    listed(tree["CB"], name="Trần Thị Hai", national_id=None)
    listed(tree["CY1"], name="Lê Thị Ba")  # another committee's cell
    row = services.review_record(actor=SYSTEM, org=tree["GX1"], on=D(2022, 2, 7), resolution_no="12-BB/ĐU",
                                 note="Hai quần chúng tiếp tục bồi dưỡng")
    assert (row.month, row.listed, row.resolution_no) == (D(2022, 2, 1), 2, "12-BB/ĐU")
    event = AuditEvent.objects.get(action="admission.review")
    assert event.after["people_listed"] == 2 and event.org_path
    assert str(action_phrase("admission.review")) != "admission.review"


@pytest.mark.parametrize("org_key, on, message", [
    ("CA", D(2022, 2, 7), "reviewed by a grassroots party committee"),
    ("GX1", None, "is in the future"),
])
def test_bad_reviews_are_refused_and_write_nothing(tree, org_key, on, message):
    on = on or today().replace(year=today().year + 1)
    with pytest.raises(ValidationError, match=message):
        services.review_record(actor=SYSTEM, org=tree[org_key], on=on)
    assert not SourceListReview.objects.exists() and not AuditEvent.objects.filter(action="admission.review").exists()


def test_one_review_a_month(tree):
    services.review_record(actor=SYSTEM, org=tree["GX1"], on=D(2022, 2, 7))
    with pytest.raises(ValidationError, match="already recorded"):
        services.review_record(actor=SYSTEM, org=tree["GX1"], on=D(2022, 2, 25))
    services.review_record(actor=SYSTEM, org=tree["GX1"], on=D(2022, 3, 1))
    assert SourceListReview.objects.count() == 2


def test_the_committee_records_it_on_its_page_others_get_404(tree, cell_a, client_district_x, client_district_y,
                                                               client_secretary_a):
    listed(cell_a)
    client_district_x.cookies["chibo_language"] = "en"
    page = client_district_x.get(f"/admission/org/{tree['GX1'].code}/")
    body = page.content.decode()
    assert page.status_code == 200 and 'id="review-form"' in body and "not recorded yet" in body
    url = f"/admission/org/{tree['GX1'].code}/review/"
    day = today().isoformat()
    assert client_district_y.post(url, {"reviewed_on": day}).status_code == 404  # another district
    assert client_secretary_a.post(url, {"reviewed_on": day}).status_code == 404  # a cell may not change it
    assert not SourceListReview.objects.exists()
    response = client_district_x.post(url, {"reviewed_on": day, "resolution_no": "05-BB/ĐU", "note": "Đã rà soát"})
    assert response.status_code == 302
    row = SourceListReview.objects.get()
    assert row.listed == 1 and row.created_by is not None
    body = client_district_x.get(f"/admission/org/{tree['GX1'].code}/").content.decode()
    assert "review is recorded" in body and "05-BB/ĐU" in body and 'id="review-form"' not in body
    # a second one the same month: the message, nothing written
    response = client_district_x.post(url, {"reviewed_on": day}, follow=True)
    assert "already recorded" in response.content.decode() and SourceListReview.objects.count() == 1
    # a bad date: the form's message, nothing written
    response = client_district_x.post(url, {"reviewed_on": "2022-13-45"}, follow=True)
    assert response.status_code == 200 and SourceListReview.objects.count() == 1
