"""How meeting changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import register_actions, register_fields


def register() -> None:
    register_actions({
        "meeting.schedule": gettext_lazy("Meeting scheduled"),
        "meeting.agenda": gettext_lazy("Agenda changed"),
        "meeting.notice": gettext_lazy("Notice of the meeting sent"),
        "meeting.cancel": gettext_lazy("Meeting cancelled"),
        "meeting.hold": gettext_lazy("Meeting held"),
        "meeting.attendance": gettext_lazy("Attendance recorded"),
        "meeting.vote": gettext_lazy("Vote recorded"),
        "meeting.minutes": gettext_lazy("Minutes written"),
        "meeting.minutes_adopt": gettext_lazy("Minutes adopted"),
        "meeting.minutes_amend": gettext_lazy("Amendment to the minutes"),
        "meeting.resolution": gettext_lazy("Resolution entered in the book"),
        "meeting.task": gettext_lazy("Task assigned"),
        "meeting.task_done": gettext_lazy("Task done"),
        "meeting.demo_build": gettext_lazy("Demo meetings created"),
        "meeting.summarize": gettext_lazy("Monthly meeting summaries rebuilt"),
    })
    register_fields({
        "scheduled_at": gettext_lazy("Scheduled for"),
        "held_at": gettext_lazy("Held at"),
        "duration_minutes": gettext_lazy("Duration (minutes)"),
        "chair": gettext_lazy("Chair"),
        "clerk": gettext_lazy("Clerk"),
        "self_score": gettext_lazy("self-score"),
        "notice_sent_at": gettext_lazy("Notice"),
        "agenda": gettext_lazy("Agenda"),
        "attendance": gettext_lazy("Attendance"),
        "official_present": gettext_lazy("Official members present"),
        "votes_for": gettext_lazy("For"),
        "votes_against": gettext_lazy("Against"),
        "abstentions": gettext_lazy("Abstaining"),
        "opening": gettext_lazy("Opening and roll call"),
        "report": gettext_lazy("Report on last month and tasks for next month"),
        "communications": gettext_lazy("Documents of the superior committee"),
        "discussion": gettext_lazy("Discussion"),
        "conclusion": gettext_lazy("Conclusion"),
        "done_date": gettext_lazy("Done on"),
    })
