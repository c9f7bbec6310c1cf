"""How evaluation changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import register_actions, register_fields


def register() -> None:
    register_actions({
        "evaluation.criteria": gettext_lazy("Criteria set published"),
        "evaluation.round_open": gettext_lazy("Review round opened"),
        "evaluation.round_close": gettext_lazy("Review round closed"),
        "evaluation.flag": gettext_lazy("Events affecting the rating recorded"),
        "evaluation.self_assess": gettext_lazy("Self-assessment"),
        "evaluation.propose": gettext_lazy("Rating proposed by the cell"),
        "evaluation.appraise": gettext_lazy("Rating appraised"),
        "evaluation.decide": gettext_lazy("Rating decided"),
        "evaluation.reopen": gettext_lazy("Rating reopened for re-rating"),
        "evaluation.exclude": gettext_lazy("Not rated in the round"),
        "evaluation.programme": gettext_lazy("Emulation programme created"),
        "evaluation.pledge": gettext_lazy("Unit registered in the emulation, pledge signed"),
        "evaluation.recognize": gettext_lazy("Emulation year assessed"),
        "evaluation.demo_build": gettext_lazy("Demo review rounds created"),
    })
    register_fields({
        "self_level": gettext_lazy("Self-rating"),
        "self_total": gettext_lazy("Self-score"),
        "proposed_level": gettext_lazy("Cell's proposal"),
        "appraised_level": gettext_lazy("Appraisal"),
        "decided_level": gettext_lazy("Rating"),
        "decision_number": gettext_lazy("Decision number"),
        "excluded": gettext_lazy("Not rated because"),
        "disciplined_in_year": gettext_lazy("Disciplined in the rated year"),
        "self_detected": gettext_lazy("Violation self-detected and remedied"),
        "targets_percent": gettext_lazy("Targets met (%)"),
        "units_disciplined_percent": gettext_lazy("Subordinate units disciplined (%)"),
        "scores": gettext_lazy("Scores"),
    })
