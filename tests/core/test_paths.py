"""Materialized paths: fixed-width segments, and a subtree as a half-open range."""

from __future__ import annotations

import pytest
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st

from chibo.core import paths
from chibo.core.paths import (
    MAX_SEGMENT,
    SEGMENT_WIDTH,
    any_subtree_q,
    child_path,
    depth,
    segment,
    segments,
    subtree_q,
    upper_bound,
)


def test_segment_is_fixed_width_and_zero_padded():
    assert SEGMENT_WIDTH == 8
    assert segment(1) == "00000001"
    assert segment(12345678) == "12345678"
    assert segment(MAX_SEGMENT) == "99999999"


@pytest.mark.parametrize("bad", [0, -1, MAX_SEGMENT + 1])
def test_segment_out_of_range(bad):
    with pytest.raises(ValueError, match="out of range"):
        segment(bad)


def test_child_path_depth_and_segments_round_trip():
    p = child_path(None, 7)
    assert p == "00000007"
    q = child_path(p, 42)
    assert q == "0000000700000042"
    assert depth(q) == 2
    assert segments(q) == [7, 42]
    assert child_path("", 3) == "00000003"


@pytest.mark.parametrize(
    ("path", "bound"),
    [
        ("00000001", "00000002"),
        ("00000009", "0000001"),
        ("0000000100000099", "00000001000001"),
        ("1299", "13"),
        ("9", ":"),
        ("9999", ":"),
    ],
)
def test_upper_bound_examples(path, bound):
    assert upper_bound(path) == bound


def test_upper_bound_all_nines_sorts_after_every_digit_string():
    assert ":" > "9" * 100


def test_subtree_q_shape():
    q = subtree_q("0001")
    assert q == Q(path__gte="0001", path__lt="0002")
    q2 = subtree_q("0001", field="org_path", include_self=False)
    assert q2 == Q(org_path__gte="0001", org_path__lt="0002") & ~Q(org_path="0001")


def test_any_subtree_q_empty_selects_nothing():
    assert any_subtree_q([]) == Q(pk__in=[])


digit_paths = st.text(alphabet="0123456789", min_size=1, max_size=24)


@settings(max_examples=100, deadline=None)
@given(p=digit_paths, s=digit_paths)
def test_prefix_iff_in_range(p, s):
    """For digit strings: s starts with p  <=>  p <= s < upper_bound(p)."""
    assert s.startswith(p) == (p <= s < upper_bound(p))


@settings(max_examples=100, deadline=None)
@given(p=digit_paths, suffix=st.text(alphabet="0123456789", max_size=16))
def test_every_extension_is_in_range(p, suffix):
    assert p <= p + suffix < upper_bound(p)


@settings(max_examples=100, deadline=None)
@given(pks=st.lists(st.integers(min_value=1, max_value=MAX_SEGMENT), min_size=1, max_size=6))
def test_segments_round_trip(pks):
    path = ""
    for pk in pks:
        path = child_path(path, pk)
    assert segments(path) == pks
    assert depth(path) == len(pks)


@pytest.mark.django_db
def test_subtree_q_on_the_database(tree):
    """The range selects exactly the paths with the prefix, on the real backend's collation."""
    from chibo.orgs.models import OrgVersion

    all_paths = list(OrgVersion.objects.values_list("path", flat=True))
    for p in all_paths:
        expected = sorted(x for x in all_paths if x.startswith(p))
        got = sorted(OrgVersion.objects.filter(subtree_q(p)).values_list("path", flat=True))
        assert got == expected
        got_strict = sorted(
            OrgVersion.objects.filter(subtree_q(p, include_self=False)).values_list("path", flat=True)
        )
        assert got_strict == [x for x in expected if x != p]
    some = all_paths[:3]
    got_any = set(OrgVersion.objects.filter(any_subtree_q(some)).values_list("path", flat=True))
    assert got_any == {x for x in all_paths if any(x.startswith(p) for p in some)}


def test_module_exports():
    assert paths.upper_bound is upper_bound
