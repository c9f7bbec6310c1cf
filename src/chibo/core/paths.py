"""Materialized paths for the organization tree.

A path is the concatenation of fixed-width decimal segments, one per ancestor (root first),
the node's own segment last. Digits only, so that every database collation orders them
byte-wise and a subtree is an indexed *range* (`path >= p AND path < next(p)`), which SQLite
can use (its `LIKE` cannot) and PostgreSQL can too.
"""

from __future__ import annotations

from django.db.models import Q

SEGMENT_WIDTH = 8
MAX_SEGMENT = 10**SEGMENT_WIDTH - 1


def segment(pk: int) -> str:
    if pk <= 0 or pk > MAX_SEGMENT:
        raise ValueError(f"path segment out of range: {pk}")
    return str(pk).zfill(SEGMENT_WIDTH)


def child_path(parent_path: str | None, pk: int) -> str:
    return (parent_path or "") + segment(pk)


def depth(path: str) -> int:
    return len(path) // SEGMENT_WIDTH


def segments(path: str) -> list[int]:
    return [int(path[i : i + SEGMENT_WIDTH]) for i in range(0, len(path), SEGMENT_WIDTH)]


def upper_bound(path: str) -> str:
    """The smallest digit string greater than every string that starts with `path`."""
    digits = list(path)
    i = len(digits) - 1
    while i >= 0 and digits[i] == "9":
        i -= 1
    if i < 0:
        return ":"  # ':' sorts after '9' in ASCII; only reachable for an all-9 path.
    digits[i] = str(int(digits[i]) + 1)
    return "".join(digits[: i + 1])


def subtree_q(path: str, field: str = "path", include_self: bool = True) -> Q:
    q = Q(**{f"{field}__gte": path, f"{field}__lt": upper_bound(path)})
    if not include_self:
        q &= ~Q(**{field: path})
    return q


def any_subtree_q(paths: list[str], field: str = "path") -> Q:
    """Rows under any of `paths`; an empty list selects nothing."""
    q = Q(pk__in=[])
    for p in sorted(set(paths)):
        q |= subtree_q(p, field)
    return q
