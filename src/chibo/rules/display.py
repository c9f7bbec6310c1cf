"""The rulebook for people: each parameter's name, its value with its unit, in the reader's
language ("2/3", "60 working days", "85%"), never a raw key or a Python value.

A parameter without a name here shows its (translated, when it is one of ours) description,
else its key; a unit without a label shows as written."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext_lazy

KEY_LABELS: dict[str, str] = {
    "admission.min_age_months": gettext_noop("Minimum age for admission"),
    "admission.max_age_months_without_provincial_approval": gettext_noop(
        "Highest age for admission without the provincial committee's approval"
    ),
    "admission.min_education": gettext_noop("Minimum education for admission"),
    "admission.introducers": gettext_noop("Members who introduce an applicant"),
    "admission.introducer_min_years_known": gettext_noop(
        "How long an introducer must have worked with the applicant"
    ),
    "admission.cell_vote_threshold": gettext_noop("Cell vote needed to admit"),
    "admission.awareness_cert_validity_years": gettext_noop(
        "Validity of the party awareness course certificate"
    ),
    "admission.decision_deadline_working_days": gettext_noop("Deadline for the admission decision"),
    "admission.decision_extension_working_days": gettext_noop(
        "Extension of the admission decision deadline"
    ),
    "admission.ceremony_deadline_working_days": gettext_noop("Deadline for the admission ceremony"),
    "admission.target_percent_of_members": gettext_noop("Yearly admission target"),
    "probation.months": gettext_noop("Probation"),
    "recognition.cell_deadline_working_days": gettext_noop(
        "Deadline for the cell's recognition vote after probation"
    ),
    "recognition.decision_deadline_working_days": gettext_noop(
        "Deadline for the recognition decision"
    ),
    "recognition.max_vote_attempts_before_escalation": gettext_noop(
        "Failed recognition votes before the case goes up"
    ),
    "readmission.max_times": gettext_noop("How often a member may be readmitted"),
    "transfer.official.initiate_deadline_working_days": gettext_noop(
        "Deadline to start an official transfer"
    ),
    "transfer.present_letter_deadline_working_days": gettext_noop(
        "Deadline to present the introduction letter"
    ),
    "transfer.temporary.min_months": gettext_noop("Shortest temporary transfer"),
    "transfer.temporary.max_months": gettext_noop("Longest temporary transfer"),
    "cell.min_official_members": gettext_noop("Official members needed to form a cell"),
    "cell.deputies_without_committee": gettext_noop(
        "Deputy secretaries a cell without a committee may elect"
    ),
    "cell.committee_threshold": gettext_noop("Official members from which a cell elects a committee"),
    "meeting.min_duration_minutes": gettext_noop("Shortest cell meeting"),
    "meeting.min_duration_combined_minutes": gettext_noop(
        "Shortest meeting when the thematic and the regular meeting are held together"
    ),
    "meeting.notice_lead_days": gettext_noop("Notice and materials before a meeting"),
    "meeting.regular_per_month": gettext_noop("Regular cell meetings a month"),
    "meeting.cell_committee_per_month": gettext_noop("Cell committee meetings a month"),
    "meeting.thematic_per_quarter": gettext_noop("Thematic meetings a quarter"),
    "meeting.grassroots_committee_per_month": gettext_noop("Grassroots committee meetings a month"),
    "grassroots_party.general_meetings_per_year": gettext_noop(
        "General meetings of a grassroots party organization a year"
    ),
    "cell.congresses_per_5_years": gettext_noop("Cell congresses in five years"),
    "cell.congress_max_shift_months": gettext_noop("How far a cell congress may be moved"),
    "meeting.resolution_vote_threshold": gettext_noop("Vote needed to adopt a resolution"),
    "recognition.cell_vote_threshold": gettext_noop("Cell vote needed to recognise an official member"),
    "removal.cell_vote_threshold": gettext_noop("Cell vote needed to remove a probationary member"),
    "meeting.quality_attendance_min_percent": gettext_noop("Attendance for a good-quality meeting"),
    "meeting.max_consecutive_excused_absences": gettext_noop(
        "Most consecutive absences allowed in a year"
    ),
    "eval.score_bands": gettext_noop("Score bands of the quality rating"),
    "eval.excellent_over_good_cap_percent": gettext_noop(
        "Cap on “excellent” ratings among those rated “good”"
    ),
    "eval.exclude_if_admitted_less_than_months": gettext_noop(
        "Members admitted more recently than this are not rated"
    ),
    "dues.bhxh_rate_percent": gettext_noop("Dues of members on social insurance salaries"),
    "dues.pension_rate_percent": gettext_noop("Dues of retired members"),
    "dues.student_amount_vnd": gettext_noop("Monthly dues of student members"),
    "dues.unpaid_months_for_removal": gettext_noop(
        "Months of unpaid dues before removal from the roll"
    ),
    "badge.years": gettext_noop("Party membership badge milestones"),
    "removal.complaint_window_working_days": gettext_noop("Time to complain about a removal"),
    "discipline.complaint_window_working_days": gettext_noop(
        "Time to complain about a disciplinary decision"
    ),
    "denunciation.deadline_working_days": gettext_noop("Deadline to settle a denunciation"),
    "denunciation.extension_working_days": gettext_noop("Extension of the denunciation deadline"),
    "denunciation.congress_freeze_grassroots_working_days": gettext_noop(
        "Congress freeze before a grassroots congress"
    ),
    "denunciation.congress_freeze_higher_working_days": gettext_noop(
        "Congress freeze before a higher-level congress"
    ),
    "feedback.deadline_working_days": gettext_noop("Deadline to answer feedback and petitions"),
    "dialogue.answer_deadline_working_days": gettext_noop("Deadline for agencies to answer proposals"),
}

# unit -> its count with the unit, singular and plural (chosen by `count`, shown as `n`)
_UNITS: dict[str, Any] = {
    "months": ngettext_lazy("%(n)s month", "%(n)s months", "count"),
    "years": ngettext_lazy("%(n)s year", "%(n)s years", "count"),
    "days": ngettext_lazy("%(n)s day", "%(n)s days", "count"),
    "working_days": ngettext_lazy("%(n)s working day", "%(n)s working days", "count"),
    "minutes": ngettext_lazy("%(n)s minute", "%(n)s minutes", "count"),
    "members": ngettext_lazy("%(n)s member", "%(n)s members", "count"),
    "meetings": ngettext_lazy("%(n)s meeting", "%(n)s meetings", "count"),
    "votes": ngettext_lazy("%(n)s vote", "%(n)s votes", "count"),
    "times": ngettext_lazy("%(n)s time", "%(n)s times", "count"),
    "points": ngettext_lazy("%(n)s point", "%(n)s points", "count"),
    "congresses": ngettext_lazy("%(n)s congress", "%(n)s congresses", "count"),
}

VALUE_LABELS: dict[str, str] = {
    "lower_secondary": gettext_noop("lower-secondary diploma or higher"),
    "upper_secondary": gettext_noop("upper-secondary diploma or higher"),
    "primary": gettext_noop("primary school or higher"),
    "excellent": gettext_noop("excellent"),
    "good": gettext_noop("good"),
    "completion": gettext_noop("completed"),
    # the evaluation rule set (`eval.rule_set`): its keys and values
    "regulation": gettext_noop("regulation"),
    "scale": gettext_noop("rating scale"),
    "grades": gettext_noop("graded by level"),
    "points": gettext_noop("100-point scale"),
    "periods": gettext_noop("review periods"),
    "year": gettext_noop("yearly"),
    "quarter": gettext_noop("quarterly"),
    "term": gettext_noop("per term"),
    "ad_hoc": gettext_noop("when needed"),
    # members not rated (`eval.not_rated_statuses`)
    "exempt_from_activities": gettext_noop("members exempted from work and activities"),
}

UNIT_NAMES: dict[str, str] = {
    "months": gettext_noop("months"),
    "years": gettext_noop("years"),
    "days": gettext_noop("days"),
    "working_days": gettext_noop("working days"),
    "minutes": gettext_noop("minutes"),
    "members": gettext_noop("members"),
    "meetings": gettext_noop("meetings"),
    "votes": gettext_noop("votes"),
    "times": gettext_noop("times"),
    "points": gettext_noop("points"),
    "congresses": gettext_noop("congresses"),
    "percent": gettext_noop("percent"),
    "fraction": gettext_noop("fraction"),
    "vnd": gettext_noop("Vietnamese đồng"),
}


def parameter_label(key: str, description: str = "") -> str:
    if key in KEY_LABELS:
        return _(KEY_LABELS[key])
    return _(description) if description else key


def unit_label(unit: str) -> str:
    return _(UNIT_NAMES[unit]) if unit in UNIT_NAMES else unit


def _number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return number_format(value, use_l10n=True, force_grouping=True)


def _with_unit(n: float | int, unit: str) -> str:
    text = _number(n)
    if unit == "percent":
        return _("%(n)s%%") % {"n": text}
    if unit == "vnd":
        return _("%(n)s ₫") % {"n": text}
    if unit in _UNITS:
        count = int(n) if float(n).is_integer() else 2
        return str(_UNITS[unit] % {"count": count, "n": text})
    return f"{text} {unit}".strip()


def format_value(value: Any, unit: str = "") -> str:
    """A parameter's value for people, in the active language."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return _with_unit(value, unit)
    if isinstance(value, dict) and {"num", "den"} <= set(value) <= {"num", "den", "strict", "base"}:
        share = f"{_number(value['num'])}/{_number(value['den'])}"
        if value.get("strict"):
            share = _("more than %(share)s") % {"share": share}
        if value.get("base") == "present":
            share = _("%(share)s of the official members present") % {"share": share}
        return share
    if isinstance(value, dict):
        return "; ".join(
            f"{_(VALUE_LABELS.get(str(k), str(k)))}: {format_value(v, unit)}" for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(format_value(v, unit if i == len(value) - 1 else "") for i, v in enumerate(value))
    if isinstance(value, str):
        return _(VALUE_LABELS[value]) if value in VALUE_LABELS else value
    return str(value)
