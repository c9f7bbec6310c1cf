"""`chibo members count`: JSON shapes with stable keys, values computed from the records, and
refusals of bad input."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chibo.members import services
from chibo.members.api import reading
from chibo.members.choices import ETHNICITY_CHOICES, Occupation

from .conftest import admit, person

D = dt.date
pytestmark = pytest.mark.django_db


def count(*args: str) -> dict:
    out = StringIO()
    call_command("members", "count", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def history(mt_tree, mt_members):
    """On top of the four members: Em admitted in 2021 (student, cell B), An removed in 2022,
    Bình deceased in 2023, Gấm (farmer, cell A) admitted and expelled after recognition."""
    em = admit(mt_tree["MT-CB"], person("Phạm Văn Em", birth_date=D(2000, 2, 2), occupation="student"), D(2021, 4, 1))
    gam = admit(mt_tree["MT-CA"], person("Vũ Thị Gấm", gender="female", birth_date=D(1995, 5, 5),
                                         occupation="farmer"), D(2019, 6, 1))
    services.member_event(actor=None, member=gam, type="recognized_official")
    services.member_event(actor=None, member=gam, type="expelled", on=D(2021, 9, 9), reason="violation")
    services.member_event(actor=None, member=mt_members["an"], type="removed_from_list", on=D(2022, 2, 1))
    services.member_event(actor=None, member=mt_members["binh"], type="deceased", on=D(2023, 3, 3))
    return {"em": em, "gam": gam}


def test_count_by_status_shape_and_values(history):
    data = count("--under", "MT-P", "--as-of", "2020-01-01", "--by", "status")
    assert data == {
        "under": "MT-P", "as_of": "2020-01-01", "by": "status",
        # An and Bình probationary (never recognised), Cường official, Gấm probationary since 2019
        "counts": {"probationary_member": 3, "official_member": 1, "exempt_from_activities": 0},
        "total": 4,
    }
    later = count("--under", "MT-P", "--as-of", "2024-01-01", "--by", "status")
    # An removed, Bình deceased, Gấm expelled; Cường official, Em probationary
    assert later["counts"] == {"probationary_member": 1, "official_member": 1, "exempt_from_activities": 0}
    assert later["total"] == 2


def test_count_under_a_cell_and_the_whole_system(history):
    assert count("--under", "MT-CB", "--as-of", "2022-01-01")["counts"] == {
        "probationary_member": 2, "official_member": 0, "exempt_from_activities": 0}
    everything = count("--as-of", "2020-01-01")
    assert everything["under"] is None
    assert everything["total"] == 5  # Dũng in the other province too


@pytest.mark.parametrize("field", reading.COUNT_FIELDS)
def test_every_field_has_stable_keys_and_total_is_the_sum(history, field):
    data = count("--under", "MT-P", "--as-of", "2020-01-01", "--by", field)
    assert list(data) == ["under", "as_of", "by", "counts", "total"]
    assert list(data["counts"]) == reading.count_keys(field)
    assert data["total"] == sum(data["counts"].values()) == 4
    empty = count("--under", "MT-CQ", "--as-of", "1999-01-01", "--by", field)
    assert list(empty["counts"]) == reading.count_keys(field)
    assert empty["total"] == 0


def test_count_values_by_sector_gender_ethnicity_age(history):
    on = ("--under", "MT-P", "--as-of", "2020-01-01")
    assert count(*on, "--by", "sector")["counts"] == {
        **{k: 0 for k in Occupation.values}, "agency": 1, "private_enterprise": 1, "student": 1, "farmer": 1}
    assert count(*on, "--by", "gender")["counts"] == {"male": 2, "female": 2}
    ethnicity = count(*on, "--by", "ethnicity")["counts"]
    assert len(ethnicity) == len(ETHNICITY_CHOICES) == 54
    assert (ethnicity["01"], ethnicity["02"]) == (3, 1)  # An is Tày
    # ages on 2020-01-01: An 29, Bình 34, Cường 27, Gấm 24
    assert count(*on, "--by", "age_band")["counts"] == {
        "up_to_30": 3, "31_40": 1, "41_50": 0, "51_60": 0, "61_70": 0, "over_70": 0}


def test_admissions_in_a_period_by_sector(history):
    data = count("--under", "MT-P", "--admitted-from", "2015-01-01", "--admitted-to", "2021-12-31")
    assert list(data) == ["under", "admitted_from", "admitted_to", "by", "counts", "total"]
    assert data["by"] == "sector"
    assert list(data["counts"]) == list(Occupation.values)
    # An 2015 (agency), Cường 2016 (student), Gấm 2019 (farmer), Em 2021 (student)
    assert {k: v for k, v in data["counts"].items() if v} == {"agency": 1, "student": 2, "farmer": 1}
    assert data["total"] == 4
    by_status = count("--under", "MT-P", "--admitted-from", "2015-01-01", "--admitted-to", "2021-12-31",
                      "--by", "status")
    assert by_status["counts"] == {"admitted": 4, "readmitted": 0}


def test_departures_in_a_period_by_how(history):
    data = count("--under", "MT-P", "--left-from", "2021-01-01", "--left-to", "2023-12-31")
    assert data == {
        "under": "MT-P", "left_from": "2021-01-01", "left_to": "2023-12-31",
        "counts": {"expelled": 1, "removed_from_list": 1, "withdrawn": 0, "deceased": 1},
        "total": 3,
    }
    assert count("--under", "MT-CB", "--left-from", "2021-01-01", "--left-to", "2023-12-31")["total"] == 1


def test_plain_text_output(history):
    out = StringIO()
    call_command("members", "count", "--under", "MT-P", "--as-of", "2020-01-01", stdout=out)
    text = out.getvalue()
    assert "under: MT-P" in text and "official_member" in text and "total" in text


@pytest.mark.parametrize(
    "args",
    [
        ("--under", "NO-SUCH-CODE"),
        ("--under", "MT-P", "--as-of", "2020-13-01"),
        ("--under", "MT-P", "--by", "shoe_size"),
        ("--under", "MT-P", "--admitted-from", "2020-01-01"),
        ("--under", "MT-P", "--admitted-from", "2021-01-01", "--admitted-to", "2020-01-01"),
        ("--under", "MT-P", "--admitted-from", "2020-01-01", "--admitted-to", "2021-01-01", "--by", "age_band"),
        ("--under", "MT-P", "--left-from", "2020-01-01", "--left-to", "2021-01-01", "--by", "gender"),
        ("--under", "MT-P", "--left-from", "2020-01-01", "--left-to", "2021-01-01", "--admitted-from", "2020-01-01"),
        ("--under", "MT-P", "--left-from", "yesterday", "--left-to", "2021-01-01"),
        ("--under", "MT-P", "--as-of", "2020-01-01", "--left-from", "2020-01-01", "--left-to", "2021-01-01"),
    ],
)
def test_bad_input_is_a_command_error(mt_tree, args):
    with pytest.raises(CommandError):
        call_command("members", "count", *args, "--json", stdout=StringIO())
