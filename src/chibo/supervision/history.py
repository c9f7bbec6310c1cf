"""How supervision and dialogue changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import register_actions, register_fields


def register() -> None:
    register_actions({
        "letter.receive": gettext_lazy("Letter received"),
        "letter.not_handle": gettext_lazy("Letter recorded as not handled"),
        "letter.accept": gettext_lazy("Letter accepted for handling"),
        "letter.resume": gettext_lazy("Deferred letter taken up"),
        "letter.assign": gettext_lazy("Letter assigned for verification"),
        "letter.verify": gettext_lazy("Verification started"),
        "letter.extend": gettext_lazy("Deadline extended"),
        "letter.conclude": gettext_lazy("Letter concluded"),
        "letter.notify": gettext_lazy("Sender notified of the result"),
        "letter.reopen": gettext_lazy("Letter reopened"),
        "letter.forward": gettext_lazy("Letter sent to the competent body"),
        "letter.scan": gettext_lazy("Scan added"),
        "letter.sender_read": gettext_lazy("Sender's identity read"),
        "letter.rotate_keys": gettext_lazy("Sender keys rotated"),
        "letter.export": gettext_lazy("Letters exported"),
        "congress_round.create": gettext_lazy("Congress round recorded"),
        "agency.create": gettext_lazy("Agency recorded"),
        "programme.create": gettext_lazy("Dialogue programme recorded"),
        "programme.publish": gettext_lazy("Public page of the programme changed"),
        "proposal.raise": gettext_lazy("Proposal assigned to an agency"),
        "proposal.answer": gettext_lazy("Proposal answered"),
        "proposal.remind": gettext_lazy("Agency reminded"),
        "proposal.escalate": gettext_lazy("Overdue proposal escalated"),
        "conclusion.issue": gettext_lazy("Conclusion issued"),
        "key_task.done": gettext_lazy("Key task done"),
        "supervision.demo_build": gettext_lazy("Demo letters and programmes created"),
    })
    register_fields({
        "state": gettext_lazy("State"),
        "handler": gettext_lazy("Handled by"),
        "competent_received_on": gettext_lazy("Received by the competent body on"),
        "deadline": gettext_lazy("Deadline"),
        "extended_until": gettext_lazy("Extended until"),
        "not_handled_reason": gettext_lazy("Reason not handled"),
        "channel": gettext_lazy("Channel"),
        "sender": gettext_lazy("Sender"),
        "scans": gettext_lazy("Scans"),
        "assignee": gettext_lazy("Assigned to"),
        "concluded_on": gettext_lazy("Concluded on"),
        "discipline_event": gettext_lazy("Discipline event"),
        "public": gettext_lazy("Public page"),
        "proposal": gettext_lazy("Proposal"),
        "agency": gettext_lazy("Agency"),
        "due_on": gettext_lazy("Answer due"),
        "answered_on": gettext_lazy("Answered on"),
        "on_time": gettext_lazy("On time"),
        "done_on": gettext_lazy("Done on"),
    })
