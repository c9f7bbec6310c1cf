"""The rulebook's starting values, from domain.md §10.5 (each with its source and confidence).
Inserted once after migrate when the key has no national row; administrators edit them after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_noop

D = dt.date
C, S, U = "confirmed", "secondary", "unconfirmed"

# key, value, unit, valid_from, source, confidence, description
DEFAULTS: list[tuple[str, Any, str, dt.date, str, str, str]] = [
    ("admission.min_age_months", 216, "months", D(1930, 2, 3), "Charter; 29/24/232/294-QĐ/TW §1.1", S,
     gettext_noop("Minimum age (18 full years, counted by month) when the cell considers admission")),
    ("admission.max_age_months_without_provincial_approval", 720, "months", D(1930, 2, 3),
     "232-QĐ/TW §1.1", C, gettext_noop("Above 60 full years the provincial-level committee must approve")),
    ("admission.min_education", "lower_secondary", "", D(2016, 7, 25), "232-QĐ/TW §1.1", C,
     gettext_noop("Lower-secondary diploma or higher (special areas follow Secretariat guidance)")),
    ("admission.introducers", 2, "members", D(2016, 7, 25), "Charter Art. 4", C,
     gettext_noop("Official members introducing the applicant (or the Youth Union + 1 member)")),
    ("admission.introducer_min_years_known", 1, "years", D(2016, 7, 25), "Charter; HD 01-HD/TW", C, ""),
    ("admission.cell_vote_threshold", {"num": 2, "den": 3}, "fraction", D(2016, 7, 25), "Charter Art. 4.3", C,
     gettext_noop("Share of official members who must approve")),
    ("admission.awareness_cert_validity_years", 5, "years", D(2012, 5, 17), "HD 12-HD/BTCTW 2012 forms", S, ""),
    ("admission.decision_deadline_working_days", 60, "working_days", D(2025, 1, 20), "232-QĐ/TW §4.3.1", C,
     gettext_noop("From the cell's resolution; extendable by 30 working days")),
    ("admission.decision_extension_working_days", 30, "working_days", D(2025, 1, 20), "232-QĐ/TW §4.3.1", C, ""),
    ("admission.ceremony_deadline_working_days", 30, "working_days", D(2016, 7, 25), "29/232-QĐ/TW §4.1", C,
     gettext_noop("From receipt of the admission decision")),
    ("admission.target_percent_of_members", 3.0, "percent", D(2020, 1, 1), "local congress resolutions", U,
     gettext_noop("Yearly admissions as a share of members at the start of the year (set per province)")),
    ("probation.months", 12, "months", D(1930, 2, 3), "Charter Art. 5 (the same in earlier charters)", S,
     gettext_noop("From the admission ceremony")),
    ("recognition.cell_deadline_working_days", 30, "working_days", D(2016, 7, 25), "29/24-QĐ/TW §4.2", C, ""),
    ("recognition.decision_deadline_working_days", 30, "working_days", D(2016, 7, 25), "29-QĐ/TW §4.3", C, ""),
    ("recognition.max_vote_attempts_before_escalation", 3, "votes", D(2016, 7, 25), "29-QĐ/TW §4.2", C, ""),
    ("readmission.max_times", 1, "times", D(1930, 2, 3), "24-QĐ/TW §3.5.3 (earlier rules: the same)", S, ""),
    ("transfer.official.initiate_deadline_working_days", 60, "working_days", D(1930, 2, 3),
     "29/24-QĐ/TW; 294-QĐ/TW §6.3.1", C, gettext_noop("From the decision or the change of residence")),
    ("transfer.present_letter_deadline_working_days", 30, "working_days", D(1930, 2, 3), "294-QĐ/TW (earlier rules: the same)", S,
     gettext_noop("From the date of the introduction letter")),
    ("transfer.temporary.min_months", 3, "months", D(2016, 7, 25), "24-QĐ/TW §6.3.2", C, ""),
    ("transfer.temporary.max_months", 12, "months", D(2016, 7, 25), "24-QĐ/TW §6.3.2", C,
     gettext_noop("Less than one year (study in Vietnam: up to 24 months)")),
    ("cell.min_official_members", 3, "members", D(2011, 1, 19), "Charter Art. 24.1", C, ""),
    ("cell.committee_threshold", 9, "members", D(2011, 1, 19), "Charter Art. 24.4", C,
     gettext_noop("From 9 official members a cell elects a cell committee")),
    ("cell.deputies_without_committee", 1, "members", D(2011, 1, 19), "Charter Art. 24.4", C,
     gettext_noop("Below the committee threshold a cell elects a secretary and, if needed, one deputy")),
    ("meeting.min_duration_minutes", 90, "minutes", D(2025, 10, 28), "HD 42-HD/BTCTW", C, gettext_noop("120 if combined")),
    ("meeting.min_duration_combined_minutes", 120, "minutes", D(2025, 10, 28), "HD 42-HD/BTCTW", C,
     gettext_noop("When the thematic and the regular meeting are held together")),
    ("meeting.notice_lead_days", 1, "days", D(2025, 10, 28), "HD 42-HD/BTCTW", C,
     gettext_noop("Materials and notice to members and the superior's monitor before the meeting")),
    ("meeting.regular_per_month", 1, "meetings", D(2011, 1, 19), "Charter Art. 24.2", C,
     gettext_noop("The party cell's regular meeting, every month")),
    ("meeting.cell_committee_per_month", 1, "meetings", D(2011, 1, 19), "Charter Art. 24.2", C,
     gettext_noop("The cell committee meets every month")),
    ("meeting.thematic_per_quarter", 1, "meetings", D(2018, 7, 6), "HD 12-HD/BTCTW 2018", C,
     gettext_noop("At least one thematic meeting a quarter; it does not replace the monthly meeting")),
    ("meeting.grassroots_committee_per_month", 1, "meetings", D(2011, 1, 19), "24-QĐ/TW", C,
     gettext_noop("The grassroots committee meets every month")),
    ("grassroots_party.general_meetings_per_year", 2, "meetings", D(2011, 1, 19), "24-QĐ/TW", C,
     gettext_noop("The grassroots party organization meets at the half-year and year-end reviews")),
    ("cell.congresses_per_5_years", 2, "congresses", D(2011, 1, 19), "Charter Art. 24.3", C,
     gettext_noop("294-QĐ/TW pilots one per 5 years")),
    ("cell.congress_max_shift_months", 6, "months", D(2011, 1, 19), "Charter Art. 24.3", C,
     gettext_noop("Earlier or later with the grassroots committee's consent")),
    ("meeting.resolution_vote_threshold", {"num": 1, "den": 2, "strict": True, "base": "present"}, "fraction",
     D(2011, 1, 19), "Charter (resolutions of leading bodies)", C,
     gettext_noop("More than half of the official members present approve")),
    ("recognition.cell_vote_threshold", {"num": 2, "den": 3}, "fraction", D(2016, 7, 25), "Charter Art. 5", C,
     gettext_noop("Share of official members who must approve")),
    ("removal.cell_vote_threshold", {"num": 2, "den": 3}, "fraction", D(2016, 7, 25), "Charter Art. 5", C,
     gettext_noop("Removal of a probationary member: share of official members who must approve")),
    ("meeting.quality_attendance_min_percent", 85, "percent", D(2018, 7, 6), "HD 12-HD/BTCTW 2018", C, ""),
    ("meeting.max_consecutive_excused_absences", 3, "meetings", D(2018, 7, 6), "HD 12-HD/BTCTW 2018", C, ""),
    ("eval.score_bands", {"excellent": 90, "good": 70, "completion": 50}, "points", D(2025, 8, 30),
     "366-QĐ/TW Art. 11", C, gettext_noop("Below 50 is non-completion (inferred)")),
    ("eval.excellent_over_good_cap_percent", 20, "percent", D(2023, 10, 4), "124-QĐ/TW; HD 21/2019", U,
     gettext_noop("Unconfirmed under 366-QĐ/TW")),
    ("eval.exclude_if_admitted_less_than_months", 6, "months", D(2023, 10, 4), "124-QĐ/TW", C, ""),
    ("dues.bhxh_rate_percent", 1.0, "percent", D(2026, 2, 1), "01-QĐ/TW (2026)", C, ""),
    ("dues.pension_rate_percent", 0.5, "percent", D(2026, 2, 1), "01-QĐ/TW (2026)", C, ""),
    ("dues.student_amount_vnd", 5000, "vnd", D(2026, 2, 1), "01-QĐ/TW (2026)", C, ""),
    ("dues.unpaid_months_for_removal", 3, "months", D(2026, 2, 1), "01-QĐ/TW (2026); 24-QĐ/TW §8.1", C, ""),
    ("badge.years", [30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90], "years", D(2021, 9, 28),
     "HD 01-HD/TW 2021 §18", C, ""),
    ("removal.complaint_window_working_days", 30, "working_days", D(2016, 7, 25), "29-QĐ/TW", C, ""),
    ("discipline.complaint_window_working_days", 30, "working_days", D(2011, 1, 19), "Charter Art. 39.7", C, ""),
    ("denunciation.deadline_working_days", 90, "working_days", D(2021, 7, 28), "Bình Thuận handbook (pre-296)", S,
     gettext_noop("Extendable once by 30 working days")),
    ("denunciation.extension_working_days", 30, "working_days", D(2021, 7, 28), "Bình Thuận handbook (pre-296)", S,
     gettext_noop("One extension at most, and the sender must be told")),
    ("denunciation.congress_freeze_grassroots_working_days", 25, "working_days", D(2019, 12, 12),
     "HD 07-HD/UBKTTW 2019", C, gettext_noop("Congress-related denunciations received this close to a grassroots "
                                             "congress are not handled then (set per round)")),
    ("denunciation.congress_freeze_higher_working_days", 30, "working_days", D(2019, 12, 12),
     "HD 07-HD/UBKTTW 2019", C, gettext_noop("The same window before a congress above the grassroots")),
    ("feedback.deadline_working_days", 30, "working_days", D(2021, 7, 28), "not confirmed (configurable)", U,
     gettext_noop("Answer to feedback and petitions: not set by the sources found; a configurable default")),
    ("dialogue.answer_deadline_working_days", 30, "working_days", D(2020, 1, 1), "not confirmed (configurable)", U,
     gettext_noop("Agencies answer proposals from dialogue programmes: a configurable default")),
]


# Earlier values of keys above, for the closed period before the row above took over: key, value,
# unit, valid_from, valid_to, source, confidence, description. Each inserted once.
EARLIER: list[tuple[str, Any, str, dt.date, dt.date, str, str, str]] = [
    ("admission.decision_deadline_working_days", 60, "working_days", D(2016, 7, 25), D(2025, 1, 20),
     "24-QĐ/TW §3.4 (2016), 29-QĐ/TW §3.4 (2021)", S, gettext_noop("From the cell's resolution")),
    ("admission.decision_extension_working_days", 30, "working_days", D(2016, 7, 25), D(2025, 1, 20),
     "24-QĐ/TW §3.4 (2016), 29-QĐ/TW §3.4 (2021)", S, ""),
]


def _ensure_earlier() -> None:
    from .models import PolicyParameter

    have = set(PolicyParameter.objects.filter(org__isnull=True).values_list("key", "valid_from"))
    PolicyParameter.objects.bulk_create(
        [
            PolicyParameter(key=key, value=value, unit=unit, valid_from=start, valid_to=end, source=source,
                            confidence=confidence, description=description)
            for key, value, unit, start, end, source, confidence, description in EARLIER
            if (key, start) not in have
        ]
    )


def ensure_rulebook(**kwargs: Any) -> None:
    from .models import PolicyParameter

    present = set(PolicyParameter.objects.filter(org__isnull=True).values_list("key", flat=True))
    PolicyParameter.objects.bulk_create(
        [
            PolicyParameter(key=key, value=value, unit=unit, valid_from=start, source=source,
                            confidence=confidence, description=description)
            for key, value, unit, start, source, confidence, description in DEFAULTS
            if key not in present
        ]
    )
    _ensure_earlier()
