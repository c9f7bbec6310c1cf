"""How restructuring and rulebook changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import register_actions, register_fields


def register() -> None:
    register_actions({
        "restructuring.apply": gettext_lazy("Restructuring plan applied"),
        "dpia.raise": gettext_lazy("Impact assessment update due"),
        "dpia.complete": gettext_lazy("Impact assessment updated"),
    })
    register_fields({
        "plan": gettext_lazy("Plan"),
        "moved": gettext_lazy("Moved"),
        "done_at": gettext_lazy("Done on"),
        "note": gettext_lazy("Note"),
    })
