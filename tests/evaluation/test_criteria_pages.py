"""Criteria set pages (issue 15, item 2): the list and a version within the user's scope (another
district's staff and a cell secretary get 404), a new version published from the form prefilled
with the one before, refused with the reason and nothing written when its points do not add up
to 100 or the committee is out of scope; each version keeps its history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chibo.core.models import AuditEvent
from chibo.evaluation.models import CriteriaSet

from .conftest import GROUPS

pytestmark = pytest.mark.django_db


def _post(groups, **head):
    data = {"owner": "ORG-P1", "audience": "member", "name": "Bộ tiêu chí đảng viên 2026", "valid_from": "2026-01-05",
            **head}
    for i, g in enumerate(groups):
        data.update({f"code_{i}": g["code"], f"group_{i}": g["name"], f"points_{i}": g["max_points"]})
    return data


def test_staff_read_and_publish_a_new_version(client_staff_p1, tree, criteria):
    first = CriteriaSet.objects.get(owner=tree["P1"], audience="member")
    listing = client_staff_p1.get(reverse("evaluation:criteria_list"))
    assert listing.status_code == 200 and "Bộ tiêu chí member" in listing.content.decode()
    page = client_staff_p1.get(reverse("evaluation:criteria", args=[first.pk])).content.decode()
    assert "Chính trị tư tưởng" in page and ">100<" in page
    form = client_staff_p1.get(reverse("evaluation:criteria_new") + f"?from={first.pk}").content.decode()
    assert 'value="Kết quả thực hiện nhiệm vụ"' in form and 'value="40"' in form
    groups = [*GROUPS[:3], {"code": "tasks", "name": "Kết quả thực hiện nhiệm vụ", "max_points": 30},
              {"code": "people", "name": "Quan hệ với nhân dân", "max_points": 10}]
    r = client_staff_p1.post(reverse("evaluation:criteria_new"), _post(groups))
    new = CriteriaSet.objects.get(owner=tree["P1"], audience="member", version=2)
    assert r.status_code == 302 and r["Location"] == reverse("evaluation:criteria", args=[new.pk])
    assert [g["max_points"] for g in new.groups] == [20, 20, 20, 30, 10]
    first.refresh_from_db()
    assert first.groups == GROUPS  # a new version never changes an old one
    page = client_staff_p1.get(reverse("evaluation:criteria", args=[new.pk])).content.decode()
    assert "Quan hệ với nhân dân" in page and reverse("evaluation:criteria", args=[first.pk]) in page
    assert AuditEvent.objects.filter(action="evaluation.criteria", target_id=str(new.pk)).count() == 1
    assert 'id="history"' in page


@pytest.mark.parametrize("change, message", [
    ({"points_0": "10"}, "must add up to 100 (now 90)"),
    ({"points_1": ""}, "needs a code, a name and its points"),
    ({"points_2": "-5"}, "greater than or equal to 1"),
    ({"audience": "nobody"}, "Select a valid choice"),
    ({"valid_from": "2026-02-31"}, "Enter a valid date"),
    ({"owner": "ORG-NOPE"}, "No organization with this code in your scope"),
])
def test_bad_versions_are_refused_and_nothing_is_written(client_staff_p1, criteria, change, message, settings):
    client_staff_p1.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    before = (CriteriaSet.objects.count(), AuditEvent.objects.count())
    r = client_staff_p1.post(reverse("evaluation:criteria_new"), {**_post(GROUPS), **change})
    assert r.status_code == 400
    assert message in r.content.decode()
    assert (CriteriaSet.objects.count(), AuditEvent.objects.count()) == before


def test_other_scopes_get_404_and_cannot_publish_for_it(client_district_x, client_secretary_a, tree, criteria):
    cs = CriteriaSet.objects.get(owner=tree["P1"], audience="member")
    for client in (client_district_x, client_secretary_a):
        assert client.get(reverse("evaluation:criteria", args=[cs.pk])).status_code == 404
        assert client.get(reverse("evaluation:criteria_new") + f"?from={cs.pk}").status_code == 404
        assert "Bộ tiêu chí member" not in client.get(reverse("evaluation:criteria_list")).content.decode()
        r = client.post(reverse("evaluation:criteria_new"), _post(GROUPS))
        assert r.status_code == 400 and not CriteriaSet.objects.filter(version=2).exists()


def test_the_pages_take_a_fixed_number_of_queries(client_staff_p1, tree, criteria, django_assert_max_num_queries):
    """The list and a version read a bounded number of queries, however many sets and versions."""
    from chibo.evaluation import services

    from .conftest import D

    for _i in range(3):  # more versions must not mean more queries
        services.criteria_set_publish(actor=None, owner=tree["P1"], audience="member", name="Bộ tiêu chí",
                                      groups=GROUPS, valid_from=D(2026, 1, 1))
    cs = CriteriaSet.objects.filter(owner=tree["P1"], audience="member").order_by("-version").first()
    for url in (reverse("evaluation:criteria_list"), reverse("evaluation:criteria", args=[cs.pk]),
                reverse("evaluation:criteria_new") + f"?from={cs.pk}"):
        with django_assert_max_num_queries(14):
            assert client_staff_p1.get(url).status_code == 200
