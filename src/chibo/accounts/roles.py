"""The built-in roles. Roles are rows; this keeps the defaults present after every migrate."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

# action keys: "<area>.<verb>"
BUILTIN_ROLES: dict[str, dict[str, Any]] = {
    "system_administrator": {
        "name": gettext_noop("System administrator"),
        "actions": ["*"],
        "is_global": True,
    },
    "organization_committee_staff": {
        "name": gettext_noop("Organization Committee staff"),
        "actions": ["org.view", "org.change", "member.view", "member.change", "member.view_sensitive",
                    "audit.view", "report.view", "user.view", "user.change", "dialogue.view", "dialogue.change"],
    },
    "committee_viewer": {
        "name": gettext_noop("Committee viewer"),
        "actions": ["org.view", "member.view", "report.view", "user.view", "dialogue.view"],
    },
    "party_cell_secretary": {
        "name": gettext_noop("Party cell secretary"),
        "actions": ["org.view", "org.change", "member.view", "member.change", "audit.view",
                    "report.view", "dialogue.view"],
        # the letters the cell handles come with the post itself (supervision.models.secretary_cells)
    },
    "inspection_staff": {
        "name": gettext_noop("Inspection staff"),
        "actions": ["org.view", "case.view", "case.change", "member.view", "member.view_sensitive",
                    "letter.view", "letter.change", "letter.view_sender"],
        # Inspection staff read denunciations and their senders (security.md G20).
        "requires_two_step": True,
    },
    "mass_mobilization_staff": {
        "name": gettext_noop("Mass Mobilization Committee staff"),
        # monitors, urges and reports on the answers to dialogue proposals (seed 004)
        "actions": ["org.view", "report.view", "dialogue.view", "dialogue.change"],
    },
    "party_member": {
        "name": gettext_noop("Party member"),
        "actions": ["member.view_own"],
    },
}


def ensure_roles(**kwargs: Any) -> None:
    from .models import Role

    for key, spec in BUILTIN_ROLES.items():
        Role.objects.get_or_create(
            key=key,
            defaults={
                "name": spec["name"],
                "actions": spec["actions"],
                "is_global": spec.get("is_global", False),
                "requires_two_step": spec.get("requires_two_step", False),
            },
        )
