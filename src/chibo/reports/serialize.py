"""Indicators and results as plain data (the API, the command line, exports)."""

from __future__ import annotations

from typing import Any

from .registry import Indicator


def indicator_dict(ind: Indicator) -> dict[str, Any]:
    return {
        "key": ind.key,
        "name": str(ind.name),
        "definition": str(ind.definition),
        "unit": ind.unit,
        "kind": ind.kind,
        "app": ind.app,
        "source_rule": ind.source_rule,
        "has_denominator": ind.denominator is not None,
    }
