"""How rulebook changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import register_actions, register_fields


def register() -> None:
    register_actions({"rules.set": gettext_lazy("New value recorded in the rulebook")})
    register_fields({
        "key": gettext_lazy("Parameter"),
        "value": gettext_lazy("Value"),
        "valid_from": gettext_lazy("From"),
    })
