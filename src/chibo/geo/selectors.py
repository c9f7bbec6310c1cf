from __future__ import annotations

from django.db.models import Count

from .models import AdminUnit


def geo_stats() -> dict[str, dict[str, int]]:
    """Counts per edition and level, e.g. {"legacy": {"province": 63, ...}, "current": {...}}."""
    out: dict[str, dict[str, int]] = {}
    rows = AdminUnit.objects.values("edition", "level").annotate(n=Count("id")).order_by()
    order = {"province": 0, "district": 1, "commune": 2}
    for row in sorted(rows, key=lambda r: (r["edition"] != "legacy", order[r["level"]])):
        out.setdefault(row["edition"], {})[row["level"]] = row["n"]
    return out
