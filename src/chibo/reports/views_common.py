"""Helpers shared by the pages and the report builder."""

from __future__ import annotations

from urllib.parse import urlencode

from .registry import Indicator, Question


def query_string(q: Question, ind: Indicator, **extra: str) -> str:
    """The parameters that ask `ind` the question `q` again (for links to a value or its records)."""
    params = {"indicator": ind.key}
    if q.org is not None:
        params["under"] = q.org.code
    if q.as_of is not None:
        params["as_of"] = q.as_of.isoformat()
    if q.start is not None and q.end is not None:
        params["from"], params["to"] = q.start.isoformat(), q.end.isoformat()
    params.update(extra)
    return urlencode(params)
