"""How the member register's recorded changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import Field, register_actions, register_fields

from .choices import EventType, Status
from .models import TransferState


def _status(value: str) -> str:
    return str(dict(Status.choices)[value])


def _state(value: str) -> str:
    return str(dict(TransferState.choices)[value])


def register() -> None:
    register_actions({f"member.{value}": label for value, label in EventType.choices})
    register_actions({
        "member.admit": gettext_lazy("Admitted (probationary)"),
        "member.update": gettext_lazy("Record corrected"),
        "member.export": gettext_lazy("Members exported"),
        "member.import": gettext_lazy("Members imported from a file"),
        "member.import.attempt": gettext_lazy("Import of a file attempted"),
        "member.bulk_create": gettext_lazy("Members recorded in bulk"),
        "member.follow_restructuring": gettext_lazy("Moved with the restructuring of their cell"),
        "transfer.request": gettext_lazy("Transfer requested"),
        "transfer.letter": gettext_lazy("Introduction letter issued"),
        "transfer.receive": gettext_lazy("Transfer received"),
        "transfer.cancel": gettext_lazy("Transfer cancelled"),
    })
    register_fields({
        "status": Field(gettext_lazy("Status"), _status),
        "state": Field(gettext_lazy("State"), _state),
        "full_name": gettext_lazy("Full name"),
        "card_number": gettext_lazy("Party card number"),
        "as_of": gettext_lazy("As of"),
        "columns": gettext_lazy("Columns"),
        "format": gettext_lazy("Format"),
        "rows": gettext_lazy("Rows"),
        "new": gettext_lazy("New"),
        "unchanged": gettext_lazy("Unchanged"),
        "sensitive": gettext_lazy("Sensitive fields included"),
        "source": gettext_lazy("Source"),
        "from": gettext_lazy("From"),
        "to": gettext_lazy("To"),
        "letter": gettext_lazy("Letter"),
        "transfer": gettext_lazy("Transfer"),
        "due_on": gettext_lazy("Due on"),
        "temporary_ended": gettext_lazy("Temporary activity ended"),
    })
