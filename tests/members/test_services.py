"""Member services and selectors as the pages, API and command use them: search, counts,
transfers and leaving the party. Includes the regressions found while building the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from chibo.accounts.models import User
from chibo.members import selectors, services
from chibo.members.api import reading
from chibo.members.choices import AffiliationKind
from chibo.members.models import Affiliation, MemberEvent, StatusPeriod, Transfer

from .conftest import NID_AN, NID_BINH, admit, person

D = dt.date
pytestmark = pytest.mark.django_db
SYSTEM = User(username="system", is_superuser=True, is_active=True)


def names(qs) -> list[str]:
    return [m.full_name for m in qs]


def rows() -> tuple[int, int, int, int]:
    return (MemberEvent.objects.count(), StatusPeriod.objects.count(), Affiliation.objects.count(),
            Transfer.objects.count())


# --- search ---------------------------------------------------------------------------------


def test_search_ignores_diacritics_and_case(mt_people, mt_members):
    admin = mt_people["admin"]
    assert names(selectors.member_search(user=admin, q="nguyen van an")) == ["Nguyễn Văn An"]
    assert names(selectors.member_search(user=admin, q="NGUYỄN VĂN AN")) == ["Nguyễn Văn An"]
    assert names(selectors.member_search(user=admin, q="dang van")) == ["Đặng Văn Cường"]
    assert "Đặng Văn Cường" in names(selectors.member_search(user=admin, q="d"))
    assert names(selectors.member_search(user=admin, q="CARD-AN-01")) == ["Nguyễn Văn An"]
    assert names(selectors.member_search(user=admin, q=NID_BINH)) == ["Trần Thị Bình"]


def test_search_is_scoped(mt_people, mt_members):
    assert set(names(selectors.member_search(user=mt_people["sec_a"]))) == {"Nguyễn Văn An", "Đặng Văn Cường"}
    assert names(selectors.member_search(user=mt_people["sec_a"], q="binh")) == []
    assert names(selectors.member_search(user=mt_people["nobody"])) == []


def test_identity_number_search_needs_the_sensitive_right(mt_people, mt_members):
    """A role that may not see identity numbers must not be able to find a member by one (the
    match would reveal the number). Regression: `member_search` matched `national_id` for all."""
    assert names(selectors.member_search(user=mt_people["staff"], q=NID_AN)) == ["Nguyễn Văn An"]
    assert names(selectors.member_search(user=mt_people["viewer"], q=NID_AN)) == []
    assert names(selectors.member_search(user=mt_people["sec_a"], q=NID_AN)) == []


def test_filters_on_sensitive_fields_need_the_sensitive_right(mt_people, mt_members):
    """Filtering by religion or ethnicity reveals them; without the right the filter matches no
    one. Regression: the filter applied to every member in scope."""
    staff, viewer = mt_people["staff"], mt_people["viewer"]
    assert names(selectors.member_search(user=staff, filters={"religion": "buddhism"})) == ["Nguyễn Văn An"]
    assert names(selectors.member_search(user=staff, filters={"ethnicity": "02"})) == ["Nguyễn Văn An"]
    assert names(selectors.member_search(user=viewer, filters={"religion": "buddhism"})) == []
    assert names(selectors.member_search(user=viewer, filters={"ethnicity": "02"})) == []
    # other attributes filter for everyone
    assert names(selectors.member_search(user=viewer, filters={"gender": "female"})) == ["Trần Thị Bình"]


def test_search_as_of_and_under(mt_tree, mt_people, mt_members):
    admin = mt_people["admin"]
    assert set(names(selectors.member_search(user=admin, org=mt_tree["MT-CA"]))) == {"Nguyễn Văn An", "Đặng Văn Cường"}
    # on 2015-06-01 An was admitted (2015-05-19), Cường not yet (2016)
    assert names(selectors.member_search(user=admin, org=mt_tree["MT-CA"], on=D(2015, 6, 1))) == ["Nguyễn Văn An"]


# --- counts ---------------------------------------------------------------------------------


def test_age_bands_use_the_exact_age(mt_tree):
    """Regression: ages were computed from the year of birth as if everyone were born on 1 July,
    so someone born on 1 March 1989 was 30 instead of 31 on 1 June 2020."""
    admit(mt_tree["MT-CA"], person("Hoàng Văn Một", birth_date=D(1989, 3, 1)), D(2015, 1, 1))
    admit(mt_tree["MT-CA"], person("Hoàng Văn Hai", birth_date=D(1989, 12, 31)), D(2015, 1, 1))
    counts = selectors.member_counts(user=SYSTEM, org=mt_tree["MT-P"], on=D(2020, 6, 1), by="age_band")
    assert reading.stable(counts, reading.count_keys("age_band"))["up_to_30"] == 1  # Hai is 30
    assert reading.stable(counts, reading.count_keys("age_band"))["31_40"] == 1     # Một is 31


def test_counts_are_scoped(mt_tree, mt_people, mt_members):
    on = D(2020, 1, 1)
    assert reading.members_count(user=mt_people["sec_a"], org=None, on=on, by="status")["total"] == 2
    assert reading.members_count(user=mt_people["sec_b"], org=None, on=on, by="status")["total"] == 1
    assert reading.members_count(user=mt_people["staff"], org=None, on=on, by="status")["total"] == 3
    assert reading.members_count(user=mt_people["admin"], org=None, on=on, by="status")["total"] == 4
    assert reading.members_count(user=mt_people["nobody"], org=None, on=on, by="status")["total"] == 0


def test_party_age(mt_members):
    an = mt_members["an"]
    # from the admission decision (10 days before the ceremony) to the day
    assert selectors.party_age_days(an, D(2016, 5, 9)) == (D(2016, 5, 9) - D(2015, 5, 9)).days
    assert reading.party_age(366) == {"days": 366, "years": 1, "months": 0}
    assert reading.party_age(400) == {"days": 400, "years": 1, "months": 1}


# --- leaving the party and transfers -------------------------------------------------------


def _official_transfer(member, to, *, requested, letter, received=None):
    transfer = services.transfer_request(actor=None, member=member, kind="official", to_org=to,
                                         trigger_date=requested, requested_on=requested)
    transfer = services.transfer_issue_letter(actor=None, transfer=transfer, letter_no="12-GGT", issued_on=letter,
                                              issued_by=transfer.from_org)
    if received:
        transfer = services.transfer_receive(actor=None, transfer=transfer, received_on=received)
    return transfer


def test_leaving_ends_a_temporary_affiliation(mt_tree, mt_members):
    """Regression: a member who died during a temporary activity elsewhere stayed affiliated
    (temporarily) to the host cell until the planned end."""
    an = mt_members["an"]
    t = services.transfer_request(actor=None, member=an, kind="temporary", to_org=mt_tree["MT-CB"],
                                  trigger_date=D(2020, 1, 1), requested_on=D(2020, 1, 1), temporary_until=D(2021, 1, 1))
    t = services.transfer_issue_letter(actor=None, transfer=t, letter_no="5-GGT", issued_on=D(2020, 1, 10),
                                       issued_by=mt_tree["MT-CA"])
    services.transfer_receive(actor=None, transfer=t, received_on=D(2020, 2, 1))
    services.member_event(actor=None, member=an, type="deceased", on=D(2020, 6, 1))
    assert not an.affiliations.filter(valid_from__lte=D(2020, 7, 1)).exclude(valid_to__lte=D(2020, 7, 1)).exists()
    temporary = an.affiliations.get(kind=AffiliationKind.TEMPORARY)
    assert temporary.valid_to == D(2020, 6, 1)


def test_leaving_cannot_be_dated_before_a_later_affiliation(mt_tree, mt_members):
    """Regression: removal dated before the member's arrival in a new cell was accepted, and the
    member stayed in the new cell while removed from the party."""
    an = mt_members["an"]
    _official_transfer(an, mt_tree["MT-CB"], requested=D(2020, 1, 1), letter=D(2020, 1, 10), received=D(2020, 3, 1))
    before = rows()
    with pytest.raises(ValidationError):
        services.member_event(actor=None, member=an, type="removed_from_list", on=D(2020, 2, 1))
    assert rows() == before
    # dated after the arrival it goes through and ends the affiliation
    services.member_event(actor=None, member=an, type="removed_from_list", on=D(2020, 4, 1))
    assert not an.affiliations.filter(valid_to__isnull=True).exists()


def test_temporary_receipt_after_its_end_is_refused_cleanly(mt_tree, mt_members):
    """Regression: receiving a temporary transfer on or after its end date broke the database's
    period check (IntegrityError) instead of answering with a message."""
    an = mt_members["an"]
    t = services.transfer_request(actor=None, member=an, kind="temporary", to_org=mt_tree["MT-CB"],
                                  trigger_date=D(2020, 1, 1), requested_on=D(2020, 1, 1), temporary_until=D(2020, 3, 1))
    t = services.transfer_issue_letter(actor=None, transfer=t, letter_no="5-GGT", issued_on=D(2020, 1, 10),
                                       issued_by=mt_tree["MT-CA"])
    before = rows()
    with pytest.raises(ValidationError):
        services.transfer_receive(actor=None, transfer=t, received_on=D(2020, 3, 1))
    assert rows() == before


def test_leaving_while_in_transfer_counts_under_the_cell_left(mt_tree, mt_members):
    """Regression: the departure of a member in transfer (no cell on the day) had no
    organization, so the counts of departures under the province missed it."""
    an = mt_members["an"]
    _official_transfer(an, mt_tree["MT-CB"], requested=D(2021, 1, 1), letter=D(2021, 1, 10))
    services.member_event(actor=None, member=an, type="deceased", on=D(2021, 2, 1))
    report = reading.departures_count(user=SYSTEM, org=mt_tree["MT-P"], start=D(2021, 1, 1), end=D(2021, 12, 31))
    assert report["counts"]["deceased"] == 1
    assert Transfer.objects.get(member=an).state == "cancelled"


def test_overdue_transfers(mt_tree, mt_people, mt_members):
    an, binh = mt_members["an"], mt_members["binh"]
    t = _official_transfer(an, mt_tree["MT-CB"], requested=D(2021, 1, 4), letter=D(2021, 1, 5))
    assert t.present_deadline is not None
    late = t.present_deadline + dt.timedelta(days=1)
    assert list(selectors.overdue_transfers(user=mt_people["staff"], on=late)) == [t]
    assert list(selectors.overdue_transfers(user=mt_people["staff"], on=t.present_deadline)) == []
    assert list(selectors.overdue_transfers(user=mt_people["nobody"], on=late)) == []
    # a transfer between the other province's cells is not listed for this province
    dung = mt_members["dung"]
    del binh
    assert dung.affiliations.get().org.code == "MT-CQ"


@pytest.mark.parametrize("who", ["admin", "staff", "sec_a", "viewer", "nobody"])
def test_the_search_count_is_the_count_of_the_search(mt_tree, mt_people, mt_members, who):
    services.member_event(actor=None, member=mt_members["an"], type="withdrawn", on=D(2022, 1, 1))
    user = mt_people[who]
    for org in (None, mt_tree["MT-P"], mt_tree["MT-G"], mt_tree["MT-CA"], mt_tree["MT-CQ"]):
        for on in (None, D(2013, 1, 1), D(2020, 1, 1), D(2023, 1, 1)):
            for q, filters in (("", {}), ("", {"gender": ""}), ("van", {}), ("", {"gender": "male"})):
                args = {"user": user, "q": q, "org": org, "on": on, "filters": filters}
                expected = selectors.member_search(**args).count()
                assert selectors.member_search_count(**args) == expected, args
    admin_total = selectors.member_search_count(user=mt_people["admin"], org=mt_tree["MT-P"], on=D(2020, 1, 1))
    assert admin_total == 3  # not vacuous: the shortcut counts what the search finds
