"""Reading the tree: scoped and as-of aware."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.orgs import kinds as K
from chibo.orgs import selectors, services
from chibo.orgs.models import Organization

D = dt.date
TODAY = D(2024, 1, 1)
BEFORE = D(2019, 12, 31)

pytestmark = pytest.mark.django_db


def codes(versions) -> set[str]:
    return {v.org.code for v in versions}


# --- counts ---------------------------------------------------------------------------------


def test_org_counts_excludes_the_node_itself(tree, admin):
    c = selectors.org_counts(user=admin, org=tree["GX1"], on=TODAY)
    assert c[K.PARTY_CELL] == 2
    assert c[K.GRASSROOTS_COMMITTEE] == 0  # GX1 itself is not counted
    assert selectors.org_counts(user=admin, org=tree["CA"], on=TODAY) == {
        key: 0 for key in c
    }


def test_org_counts_by_kind_and_grassroots_total(tree, admin):
    c = selectors.org_counts(user=admin, org=tree["P1"], on=TODAY)
    assert c[K.PROVINCIAL] == 0
    assert c[K.DISTRICT] == 2
    assert c[K.GRASSROOTS_COMMITTEE] == 2
    assert c[K.GRASSROOTS_CELL] == 1
    assert c[K.PARTY_CELL] == 3
    assert c[K.GRASSROOTS_ORGANIZATION] == 3 == c[K.GRASSROOTS_COMMITTEE] + c[K.GRASSROOTS_CELL]
    assert set(c) >= {k["key"] for k in K.BUILTIN_KINDS} | {K.GRASSROOTS_ORGANIZATION}
    whole = selectors.org_counts(user=admin, org=None, on=TODAY)
    assert whole[K.PROVINCIAL] == 2 and whole[K.GRASSROOTS_ORGANIZATION] == 4


def test_org_counts_as_of(tree, admin):
    services.org_dissolve(actor=admin, org=tree["CB"], on=D(2022, 1, 1))
    services.org_reclassify(actor=admin, org=tree["GX2"], kind=K.GRASSROOTS_COMMITTEE,
                            on=D(2023, 1, 1))
    p1 = tree["P1"]
    assert selectors.org_counts(user=admin, org=p1, on=BEFORE)[K.PARTY_CELL] == 0
    assert selectors.org_counts(user=admin, org=p1, on=D(2021, 12, 31))[K.PARTY_CELL] == 3
    assert selectors.org_counts(user=admin, org=p1, on=D(2022, 1, 1))[K.PARTY_CELL] == 2
    mid = selectors.org_counts(user=admin, org=p1, on=D(2022, 6, 1))
    end = selectors.org_counts(user=admin, org=p1, on=D(2023, 1, 1))
    assert (mid[K.GRASSROOTS_CELL], mid[K.GRASSROOTS_COMMITTEE]) == (1, 2)
    assert (end[K.GRASSROOTS_CELL], end[K.GRASSROOTS_COMMITTEE]) == (0, 3)
    assert mid[K.GRASSROOTS_ORGANIZATION] == end[K.GRASSROOTS_ORGANIZATION] == 3


def test_org_counts_of_an_org_that_did_not_exist(tree, admin):
    c = selectors.org_counts(user=admin, org=tree["P1"], on=BEFORE)
    assert set(c.values()) == {0}


def test_org_counts_are_scoped(tree, district_x, secretary_a):
    c = selectors.org_counts(user=district_x, org=None, on=TODAY)
    assert c[K.DISTRICT] == 1 and c[K.PARTY_CELL] == 2 and c[K.GRASSROOTS_ORGANIZATION] == 2
    assert selectors.org_counts(user=secretary_a, org=None, on=TODAY)[K.PARTY_CELL] == 1


def test_labelled_counts(tree, admin):
    from django.utils import translation

    with translation.override("en"):
        rows = selectors.labelled_counts(selectors.org_counts(user=admin, org=tree["DX"], on=TODAY))
    assert all(n for _key, _label, n in rows)
    labels = {key: label for key, label, _n in rows}
    assert labels[K.PARTY_CELL] == "Party cell"
    assert K.GRASSROOTS_ORGANIZATION in labels
    assert rows[-1][0] == K.GRASSROOTS_ORGANIZATION


# --- children, roots, search --------------------------------------------------------------------


def test_org_children(tree, admin, secretary_a, district_x):
    assert codes(selectors.org_children(user=admin, org=tree["GX1"], on=TODAY)) == {
        "ORG-CELL-A", "ORG-CELL-B"
    }
    assert codes(selectors.org_children(user=secretary_a, org=tree["GX1"], on=TODAY)) == {"ORG-CELL-A"}
    assert codes(selectors.org_children(user=district_x, org=tree["DY"], on=TODAY)) == set()
    assert codes(selectors.org_children(user=admin, org=tree["GX1"], on=BEFORE)) == set()
    dx_children = list(selectors.org_children(user=admin, org=tree["DX"], on=TODAY))
    # kind rank (both 40), then the folded name: "chi bo truong..." < "dang bo phuong..."
    assert [v.org.code for v in dx_children] == ["ORG-GX2", "ORG-GX1"]
    assert all(v.has_children for v in dx_children if v.org.code == "ORG-GX1")
    assert not any(v.has_children for v in dx_children if v.org.code == "ORG-GX2")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", ["ORG-P2", "ORG-P1"]),  # by name: "Lạng Sơn" < "Quảng Ninh"
        ("staff_p1", ["ORG-P1"]),
        ("secretary_a", ["ORG-CELL-A"]),
        ("secretary_b", ["ORG-CELL-B"]),
        ("district_x", ["ORG-DX"]),
        ("district_y", ["ORG-DY"]),
    ],
)
def test_org_roots_per_persona(tree, personas, persona, expected):
    roots = selectors.org_roots(user=personas[persona], on=TODAY)
    assert sorted(v.org.code for v in roots) == sorted(expected)
    assert selectors.org_roots(user=personas[persona], on=BEFORE) == []


def test_org_roots_nested_assignments_collapse(tree, staff_p1):
    from chibo.accounts.models import RoleAssignment
    from tests.factories import get_role

    RoleAssignment.objects.create(user=staff_p1, role=get_role("committee_viewer"), org=tree["DX"],
                                  valid_from=D(2020, 1, 1))
    assert [v.org.code for v in selectors.org_roots(user=staff_p1, on=TODAY)] == ["ORG-P1"]


def test_org_roots_of_a_user_without_role(tree):
    from tests.factories import make_persona

    assert selectors.org_roots(user=make_persona("nobody"), on=TODAY) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ha long", {"ORG-DX"}),
        ("HẠ LONG", {"ORG-DX"}),
        ("Ha  Long", {"ORG-DX"}),
        ("thành phố hạ long", {"ORG-DX"}),
        ("dong", {"ORG-DY", "ORG-CY1"}),  # Đông Triều, Đồng Bống
        ("Đồng", {"ORG-DY", "ORG-CY1"}),
        ("khu pho", {"ORG-CELL-A", "ORG-CELL-B"}),
        ("org-cell-a", {"ORG-CELL-A"}),  # by code
        ("hon gai", {"ORG-GX2"}),
        ("hòn gai", {"ORG-GX2"}),
        ("zzz", set()),
        ("   ", set()),
    ],
)
def test_org_search(tree, admin, q, expected):
    assert codes(selectors.org_search(user=admin, q=q, on=TODAY)) == expected


def test_org_search_nfd_and_tone_placement(tree, admin):
    import unicodedata

    services.org_rename(actor=admin, org=tree["CA"], name="Chi bộ Hòa Bình", on=D(2021, 1, 1))
    for q in ("Hòa", "Hoà", unicodedata.normalize("NFD", "Hòa Bình"), "HOA BINH"):
        assert codes(selectors.org_search(user=admin, q=q, on=TODAY)) == {"ORG-CELL-A"}, q
    # and the old name as of before the rename
    assert codes(selectors.org_search(user=admin, q="khu pho 1", on=D(2020, 6, 1))) == {"ORG-CELL-A"}
    assert codes(selectors.org_search(user=admin, q="khu pho 1", on=TODAY)) == set()


def test_org_search_is_scoped(tree, secretary_a, district_x):
    assert codes(selectors.org_search(user=secretary_a, q="khu pho", on=TODAY)) == {"ORG-CELL-A"}
    assert codes(selectors.org_search(user=secretary_a, q="ORG-CELL-B", on=TODAY)) == set()
    assert codes(selectors.org_search(user=district_x, q="dong", on=TODAY)) == set()


def test_org_search_limit(tree, admin):
    assert len(list(selectors.org_search(user=admin, q="dang bo", on=TODAY, limit=3))) == 3


# --- lineage, changes, tree ---------------------------------------------------------------------


def test_org_lineage_runs_several_steps(tree, admin):
    services.org_merge(actor=admin, sources=[tree["CB"]], into=tree["CA"], on=D(2021, 1, 1))
    services.org_merge(actor=admin, sources=[tree["CA"]], into=tree["CY1"], on=D(2022, 1, 1))
    lineage = selectors.org_lineage(user=admin, org=tree["CB"])
    assert lineage["past"] == []
    (step,) = lineage["future"]
    assert step.org.code == "ORG-CELL-A" and step.event.type == "merge"
    assert [n.org.code for n in step.children] == ["ORG-CY1"]
    past = selectors.org_lineage(user=admin, org=tree["CY1"])["past"]
    assert [n.org.code for n in past] == ["ORG-CELL-A"]
    assert [n.org.code for n in past[0].children] == ["ORG-CELL-B"]


def test_org_lineage_is_scoped(tree, admin, secretary_a, personas):
    services.org_merge(actor=admin, sources=[tree["CB"]], into=tree["CA"], on=D(2021, 1, 1))
    # the successor inherits what it absorbed (issue 18, item 4); a stranger sees nothing of it
    assert [n.org.code for n in selectors.org_lineage(user=secretary_a, org=tree["CA"])["past"]] == ["ORG-CELL-B"]
    assert selectors.org_lineage(user=personas["district_y"], org=tree["CB"]) == {"past": [], "future": []}
    assert [n.org.code for n in selectors.org_lineage(user=admin, org=tree["CA"])["past"]] == [
        "ORG-CELL-B"
    ]


def test_org_changes_in_a_period(tree, admin):
    services.org_rename(actor=admin, org=tree["CA"], name="Chi bộ A", on=D(2021, 1, 1))
    services.org_move(actor=admin, org=tree["GX2"], parent=tree["DY"], on=D(2022, 1, 1))
    services.org_dissolve(actor=admin, org=tree["CB"], on=D(2023, 1, 1))
    services.org_rename(actor=admin, org=tree["CY1"], name="Chi bộ Y", on=D(2021, 6, 1))

    def types(org, **period):
        return [(e.type, e.on) for e in selectors.org_changes(user=admin, org=org, **period)]

    dx = tree["DX"]
    assert types(dx, start=D(2021, 1, 1), end=D(2023, 1, 1)) == [
        ("dissolve", D(2023, 1, 1)), ("move", D(2022, 1, 1)), ("rename", D(2021, 1, 1))
    ]
    assert types(dx, start=D(2021, 6, 1), end=D(2022, 12, 31)) == [("move", D(2022, 1, 1))]
    # the moved unit counts for both its old and its new parent
    assert ("move", D(2022, 1, 1)) in types(tree["DY"], start=D(2022, 1, 1))
    assert types(tree["CA"], start=D(2021, 1, 1)) == [("rename", D(2021, 1, 1))]
    all_dx = types(dx)
    assert ("rename", D(2021, 6, 1)) not in all_dx  # CY1 was never under DX
    assert sum(1 for t, _ in all_dx if t == "establish") == 5


def test_org_changes_are_scoped(tree, admin, secretary_a):
    services.org_rename(actor=admin, org=tree["CB"], name="Chi bộ B", on=D(2021, 1, 1))
    got = selectors.org_changes(user=secretary_a, org=tree["GX1"])
    assert {link.org.code for e in got for link in e.links.all()} == {"ORG-CELL-A"}


def test_org_changes_do_not_name_out_of_scope_organizations(tree, admin, secretary_b):
    """A merge links the successor and the predecessor: the predecessor's holder (who inherits
    nothing from the successor) sees the merge, naming only what is in their scope."""
    services.org_merge(actor=admin, sources=[tree["CB"]], into=tree["CA"], on=D(2021, 1, 1))
    events = list(selectors.org_changes(user=secretary_b, org=tree["CB"]))
    assert "merge" in {e.type for e in events}
    assert {link.org.code for e in events for link in e.links.all()} == {"ORG-CELL-B"}


def test_tree_as_of(tree, admin, district_x):
    nested = selectors.tree_as_of(user=admin, on=TODAY)
    assert sorted(n["code"] for n in nested) == ["ORG-P1", "ORG-P2"]
    p1 = next(n for n in nested if n["code"] == "ORG-P1")
    assert {c["code"] for c in p1["children"]} == {"ORG-DX", "ORG-DY"}
    dx = next(c for c in p1["children"] if c["code"] == "ORG-DX")
    gx1 = next(c for c in dx["children"] if c["code"] == "ORG-GX1")
    assert {c["code"] for c in gx1["children"]} == {"ORG-CELL-A", "ORG-CELL-B"}
    assert gx1["kind"] == K.GRASSROOTS_COMMITTEE and gx1["name"] == "Đảng bộ phường Hồng Gai"
    assert selectors.tree_as_of(user=admin, on=BEFORE) == []
    # the district sees its own subtree as the top
    (top,) = selectors.tree_as_of(user=district_x, on=TODAY)
    assert top["code"] == "ORG-DX" and len(top["children"]) == 2
    # a subtree, and after a move
    services.org_move(actor=admin, org=tree["GX1"], parent=tree["DY"], on=D(2022, 1, 1))
    (dy,) = selectors.tree_as_of(user=admin, on=TODAY, root=tree["DY"])
    assert {c["code"] for c in dy["children"]} == {"ORG-GX1", "ORG-GY1"}
    (dy_before,) = selectors.tree_as_of(user=admin, on=D(2021, 1, 1), root=tree["DY"])
    assert {c["code"] for c in dy_before["children"]} == {"ORG-GY1"}
    assert selectors.tree_as_of(user=admin, on=BEFORE, root=tree["DY"]) == []


def test_org_get_and_versions(tree, secretary_a):
    assert selectors.org_get(user=secretary_a, code="ORG-CELL-A") == tree["CA"]
    with pytest.raises(Organization.DoesNotExist):
        selectors.org_get(user=secretary_a, code="ORG-CELL-B")
    v, exact = selectors.version_on_or_last(tree["CA"], BEFORE)
    assert v is not None and exact is False and v.valid_from == D(2020, 1, 1)
    v, exact = selectors.version_on_or_last(tree["CA"], TODAY)
    assert exact is True


def test_version_on_or_last_after_dissolution(tree, admin):
    services.org_rename(actor=admin, org=tree["CB"], name="Chi bộ B mới", on=D(2021, 1, 1))
    services.org_dissolve(actor=admin, org=tree["CB"], on=D(2022, 1, 1))
    v, exact = selectors.version_on_or_last(tree["CB"], TODAY)
    assert exact is False and v.name == "Chi bộ B mới"
