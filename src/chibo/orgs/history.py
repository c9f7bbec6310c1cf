"""How the organizations' recorded changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chibo.core.history import Field, register_actions, register_fields


def _kind(key: str) -> str:
    from .kinds import BUILTIN_KINDS

    names = {spec["key"]: spec["name"] for spec in BUILTIN_KINDS}
    return _(names[key])


def register() -> None:
    register_actions({
        "org.establish": gettext_lazy("Established"),
        "org.rename": gettext_lazy("Renamed"),
        "org.move": gettext_lazy("Moved to another parent"),
        "org.reclassify": gettext_lazy("Kind changed"),
        "org.merge": gettext_lazy("Merged"),
        "org.split": gettext_lazy("Split"),
        "org.dissolve": gettext_lazy("Dissolved"),
        "org.power_grant": gettext_lazy("Power delegated"),
        "org.bulk_establish": gettext_lazy("Organizations established in bulk"),
    })
    register_fields({
        "code": gettext_lazy("Code"),
        "name": gettext_lazy("Name"),
        "kind": Field(gettext_lazy("Kind"), _kind),
        "parent": gettext_lazy("Parent organization"),
        "valid_from": gettext_lazy("From"),
        "valid_to": gettext_lazy("Until"),
        "power": gettext_lazy("Power"),
        "count": gettext_lazy("Count"),
    })
