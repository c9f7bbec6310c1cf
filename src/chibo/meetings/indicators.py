"""The meetings' indicators (found by the reports app at start-up, as admin.py is).

Over a period, under a node: the regular and thematic meetings held, those meeting the quality
criteria, the attendance rate at them, the tasks of the resolutions due in the period and those
done on time; on a date: the tasks overdue. The records come from this app's selectors
(`drill_meetings`, `attendance_rows`, `drill_tasks`, `overdue_tasks`: the lists behind the
figures of `meeting_quality`), and each number is the length of its list.

The meetings due (a regular meeting a month, a thematic one a quarter, per the rulebook) are
slots computed from the tree, not records, so "held of due" stays a figure of `meeting_quality`
and its page, not a registered indicator with a drill-down.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.reports.registry import (
    AS_OF,
    COUNT,
    PERIOD,
    SHARE,
    Column,
    Indicator,
    Listing,
    Question,
    register,
)

from . import selectors
from .models import MeetingKind

APP = "meetings"
HELD_KINDS = (MeetingKind.REGULAR, MeetingKind.THEMATIC)

MEETING_COLUMNS = (
    Column(_("Date"), lambda m: timezone.localdate(m.scheduled_at)),
    Column(_("Organization"), lambda m: m.org.code),
    Column(_("Kind"), lambda m: m.get_kind_display()),
    Column(_("Title"), lambda m: m.title),
    Column(_("Present"), lambda m: m.present_count),
    Column(_("Members counted"), lambda m: m.base_count),
    Column(_("Meets the criteria"), lambda m: _("yes") if m.met_criteria else _("no")),
)
ATTENDANCE_COLUMNS = (
    Column(_("Full name"), lambda a: a.member.full_name),
    Column(_("Date"), lambda a: timezone.localdate(a.meeting.scheduled_at)),
    Column(_("Organization"), lambda a: a.meeting.org.code),
    Column(_("Kind"), lambda a: a.meeting.get_kind_display()),
    Column(_("Attendance"), lambda a: a.get_status_display()),
)
TASK_COLUMNS = (
    Column(_("Task"), lambda t: t.title),
    Column(_("Owner"), lambda t: t.owner.full_name),
    Column(_("Organization"), lambda t: t.resolution.org.code),
    Column(_("Resolution"), lambda t: t.resolution.number),
    Column(_("Due date"), lambda t: t.due_date),
    Column(_("Done on"), lambda t: t.done_date or ""),
)


def _meetings(what: str, kinds: tuple[str, ...], label: Any) -> Listing:
    def records(q: Question) -> Any:
        assert q.start is not None and q.end is not None
        return selectors.drill_meetings(
            user=q.user, org=q.org, start=q.start, end=q.end, what=what, kinds=kinds
        )

    return Listing(records=records, columns=MEETING_COLUMNS, label=label)


def _attendance(present: bool, label: Any) -> Listing:
    def records(q: Question) -> Any:
        assert q.start is not None and q.end is not None
        return selectors.attendance_rows(
            user=q.user, org=q.org, start=q.start, end=q.end, present=present
        )

    return Listing(records=records, columns=ATTENDANCE_COLUMNS, label=label, logged=True)


def _tasks(what: str, label: Any) -> Listing:
    def records(q: Question) -> Any:
        assert q.start is not None and q.end is not None
        return selectors.drill_tasks(
            user=q.user, org=q.org, start=q.start, end=q.end, what=what
        ).select_related("resolution__org")

    return Listing(records=records, columns=TASK_COLUMNS, label=label, logged=True)


HELD = _meetings("held", HELD_KINDS, _("Meetings held"))
TASKS_DUE = _tasks("all", _("Tasks due"))


def _count(
    key: str, name: Any, definition: Any, numerator: Listing, order: int, tags: tuple[str, ...] = ()
) -> Indicator:
    return Indicator(
        key=key,
        name=name,
        definition=definition,
        unit=COUNT,
        kind=PERIOD,
        app=APP,
        group="meetings" if order < 30 else "tasks",
        order=order,
        tags=tags,
        numerator=numerator,
    )


register(
    _count(
        "meetings.held",
        _("Cell meetings held"),
        _(
            "Regular monthly and thematic meetings held in the period by the party cells under the "
            "node."
        ),
        HELD,
        10,
        ("dashboard",),
    ),
    _count(
        "meetings.regular_meetings",
        _("Regular monthly meetings held"),
        _("Regular monthly meetings held in the period by the party cells under the node."),
        _meetings("held", (MeetingKind.REGULAR,), _("Regular meetings held")),
        11,
    ),
    _count(
        "meetings.thematic_meetings",
        _("Thematic meetings held"),
        _("Thematic meetings held in the period by the party cells under the node."),
        _meetings("held", (MeetingKind.THEMATIC,), _("Thematic meetings held")),
        12,
        ("dashboard",),
    ),
    Indicator(
        key="meetings.met_criteria",
        name=_("Meetings meeting the quality criteria"),
        definition=_(
            "Of the regular and thematic meetings held in the period under the node, those that "
            "met the quality criteria (attendance, no unexcused absence, duration, self-score)."
        ),
        unit=SHARE,
        kind=PERIOD,
        app=APP,
        group="meetings",
        order=20,
        tags=("dashboard",),
        numerator=_meetings("met", HELD_KINDS, _("Meetings meeting the criteria")),
        denominator=HELD,
    ),
    Indicator(
        key="meetings.attendance_rate",
        name=_("Attendance at cell meetings"),
        definition=_(
            "Members present at the regular and thematic meetings held in the period under the "
            "node, as a share of the members counted at them (those on special duty are not "
            "counted)."
        ),
        unit=SHARE,
        kind=PERIOD,
        app=APP,
        group="meetings",
        order=21,
        tags=("dashboard",),
        numerator=_attendance(True, _("Present")),
        denominator=_attendance(False, _("Members counted")),
    ),
    _count(
        "meetings.tasks_due",
        _("Resolution tasks due"),
        _("Tasks of the resolutions of organizations under the node due in the period."),
        TASKS_DUE,
        30,
    ),
    Indicator(
        key="meetings.tasks_on_time",
        name=_("Resolution tasks done on time"),
        definition=_(
            "Of the tasks of the resolutions under the node due in the period, those done by "
            "their due date."
        ),
        unit=SHARE,
        kind=PERIOD,
        app=APP,
        group="tasks",
        order=31,
        tags=("dashboard",),
        numerator=_tasks("on_time", _("Tasks done on time")),
        denominator=TASKS_DUE,
    ),
    Indicator(
        key="meetings.tasks_overdue",
        name=_("Resolution tasks overdue"),
        definition=_(
            "Tasks of the resolutions of organizations under the node past their due date and "
            "not done on the date."
        ),
        unit=COUNT,
        kind=AS_OF,
        app=APP,
        group="tasks",
        order=32,
        tags=("dashboard",),
        numerator=Listing(
            records=lambda q: selectors.overdue_tasks(user=q.user, org=q.org, on=q.on),
            columns=TASK_COLUMNS,
            label=_("Tasks overdue"),
            logged=True,
        ),
    ),
)
