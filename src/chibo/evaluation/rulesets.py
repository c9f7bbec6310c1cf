"""The evaluation rule sets, as dated rulebook rows (domain.md §1, §10.5).

The regulation in force on a date (`eval.rule_set`: 132-QĐ/TW from 2018, 124-QĐ/TW from
2023-10-04, 366-QĐ/TW from 2025-08-30) says whether criteria are graded (excellent … weak) or
scored on 100 points; the other `eval.*` rows give the bands, the quota, who is not rated and the
events that force "did not complete". A round copies all of them when it opens (`snapshot`), so
it keeps the rules in force that day whatever changes later.

Rows are inserted after migrate when missing (by key and start date), next to the rulebook's own
defaults in `chibo.rules.seed` (which holds the first of them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_noop

from chibo.rules.selectors import MissingRule, rule_row

D = dt.date
C, S, U = "confirmed", "secondary", "unconfirmed"
R132, R124, R366 = D(2018, 3, 8), D(2023, 10, 4), D(2025, 8, 30)

GRADES_132 = {"regulation": "132-QĐ/TW", "scale": "grades", "periods": ["year"]}
GRADES_124 = {"regulation": "124-QĐ/TW", "scale": "grades", "periods": ["year"]}
POINTS_366 = {"regulation": "366-QĐ/TW", "scale": "points", "periods": ["year", "quarter", "term", "ad_hoc"]}

# key, value, unit, valid_from, valid_to, source, confidence, description
RULES: list[tuple[str, Any, str, dt.date, dt.date | None, str, str, str]] = [
    ("eval.rule_set", GRADES_132, "", R132, R124, "132-QĐ/TW; HD 16-HD/BTCTW (2018), HD 21-HD/BTCTW (2019)", C,
     gettext_noop("Yearly rounds; criteria graded excellent, good, average or weak")),
    ("eval.rule_set", GRADES_124, "", R124, R366, "124-QĐ/TW; HD 25-HD/BTCTW (2023)", C,
     gettext_noop("Yearly rounds; criteria graded excellent, good, average or weak")),
    ("eval.rule_set", POINTS_366, "", R366, None, "366-QĐ/TW; HD 43-HD/BTCTW (2025)", C,
     gettext_noop("Rounds per term, year, quarter or when needed; 100-point scale")),
    ("eval.excellent_over_good_cap_percent", 20, "percent", R132, R124, "HD 21-HD/BTCTW (2019)", C,
     gettext_noop("Within each grassroots party organization")),
    ("eval.exclude_if_admitted_less_than_months", 6, "months", R132, R124, "132-QĐ/TW", S, ""),
    ("eval.not_rated_statuses", ["exempt_from_activities"], "", R132, None, "124-QĐ/TW (practice)", U,
     gettext_noop("Members exempted from work and activities are in practice not rated")),
    ("eval.fail_if_disciplined_in_year", True, "", R132, None, "124-QĐ/TW Art. 12.4", C,
     gettext_noop("Unless the member detected the violation and remedied it")),
    ("eval.fail_if_criterion_weak", True, "", R132, None, "124-QĐ/TW Art. 12.4", C, ""),
    ("eval.collective_fail_if_units_disciplined_over_percent", 20, "percent", R132, None,
     "124-QĐ/TW Art. 12.4", C, ""),
    ("eval.fail_if_targets_below_percent", 50, "percent", R132, None, "124-QĐ/TW Art. 12.4", C, ""),
    ("eval.self_assessment_working_days", 10, "working_days", R132, None, "local guidance", U,
     gettext_noop("From the opening of the round")),
    ("eval.cell_proposal_working_days", 15, "working_days", R132, None, "local guidance", U,
     gettext_noop("From the opening of the round")),
    ("eval.decision_working_days", 30, "working_days", R132, None, "local guidance", U,
     gettext_noop("From the opening of the round")),
]

SNAPSHOT_KEYS = {
    "quota_percent": "eval.excellent_over_good_cap_percent",
    "exclude_months": "eval.exclude_if_admitted_less_than_months",
    "not_rated_statuses": "eval.not_rated_statuses",
    "fail_if_disciplined": "eval.fail_if_disciplined_in_year",
    "fail_if_weak": "eval.fail_if_criterion_weak",
    "units_disciplined_over_percent": "eval.collective_fail_if_units_disciplined_over_percent",
    "targets_below_percent": "eval.fail_if_targets_below_percent",
    "self_days": "eval.self_assessment_working_days",
    "cell_days": "eval.cell_proposal_working_days",
    "decision_days": "eval.decision_working_days",
}
DEFAULTS: dict[str, Any] = {
    "quota_percent": 20, "exclude_months": 6, "not_rated_statuses": ["exempt_from_activities"],
    "fail_if_disciplined": True, "fail_if_weak": True, "units_disciplined_over_percent": 20,
    "targets_below_percent": 50, "self_days": 10, "cell_days": 15, "decision_days": 30,
}


def ensure_rules(**kwargs: Any) -> None:
    from chibo.rules.models import PolicyParameter

    present = set(PolicyParameter.objects.filter(org__isnull=True, key__startswith="eval.")
                  .values_list("key", "valid_from"))
    PolicyParameter.objects.bulk_create([
        PolicyParameter(key=key, value=value, unit=unit, valid_from=start, valid_to=end, source=source,
                        confidence=confidence, description=description)
        for key, value, unit, start, end, source, confidence, description in RULES
        if (key, start) not in present
    ])


class NoRuleSet(LookupError):
    pass


def snapshot(on: dt.date, org_ids: list[int] | None = None) -> dict[str, Any]:
    """The evaluation rules in force on `on` (under the organizations `org_ids`, nearest first)."""
    try:
        row = rule_row("eval.rule_set", on=on, org_ids=org_ids)
    except MissingRule as exc:
        raise NoRuleSet(str(exc)) from exc
    out: dict[str, Any] = dict(row.value)
    out["sources"] = {"eval.rule_set": row.source}
    for name, key in SNAPSHOT_KEYS.items():
        try:
            r = rule_row(key, on=on, org_ids=org_ids)
        except MissingRule:
            out[name] = DEFAULTS[name]
        else:
            out[name] = r.value
            out["sources"][key] = r.source
    if out["scale"] == "points":
        try:
            r = rule_row("eval.score_bands", on=on, org_ids=org_ids)
            out["bands"] = r.value
            out["sources"]["eval.score_bands"] = r.source
        except MissingRule:
            out["bands"] = {"excellent": 90, "good": 70, "completion": 50}
    return out
