"""How admission changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import Field, register_actions, register_fields


def register() -> None:
    register_actions({
        "admission.list": gettext_lazy("Put on the list of outstanding people"),
        "admission.awareness_course": gettext_lazy("Party awareness course recorded"),
        "admission.application": gettext_lazy("Application recorded"),
        "admission.biography": gettext_lazy("Biography recorded"),
        "admission.verification": gettext_lazy("Biography verified"),
        "admission.introduction": gettext_lazy("Introduction recorded"),
        "admission.opinions": gettext_lazy("Comments recorded"),
        "admission.cell_vote": gettext_lazy("Cell vote on admission recorded"),
        "admission.grassroots_resolution": gettext_lazy("Grassroots committee resolution recorded"),
        "admission.extend": gettext_lazy("Decision deadline extended"),
        "admission.decision": gettext_lazy("Admission decision recorded"),
        "admission.ceremony": gettext_lazy("Admission ceremony held"),
        "admission.new_member_course": gettext_lazy("Course for new members recorded"),
        "admission.recognition_vote": gettext_lazy("Cell vote on recognition recorded"),
        "admission.recognition_resolution": gettext_lazy("Resolution on recognition recorded"),
        "admission.recognition_decision": gettext_lazy("Decision on official membership recorded"),
        "admission.removed": gettext_lazy("Removed during probation"),
        "admission.withdrawn": gettext_lazy("Left the list of outstanding people"),
        "admission.upload": gettext_lazy("Document added to the dossier"),
        "admission.review": gettext_lazy("Monthly review of the lists of outstanding people recorded"),
        "admission.target": gettext_lazy("Admission target set"),
        "admission.demo_build": gettext_lazy("Demo admission records created"),
    })
    from .models import Step

    register_fields({
        "admission_step": Field(gettext_lazy("Step"), lambda v: str(Step(v).label)),
        "next_due": gettext_lazy("Next act due by"),
        "target_kind": gettext_lazy("Kind of target"),
        "target_value": gettext_lazy("Target"),
        "official_members": gettext_lazy("Official members"),
        "introducers": gettext_lazy("Introducers"),
        "passed": gettext_lazy("Passed"),
        "file": gettext_lazy("File"),
        "step": gettext_lazy("Act"),
        "size": gettext_lazy("Size"),
        "year": gettext_lazy("Year"),
        "member": gettext_lazy("Member record"),
        "month": gettext_lazy("Month"),
        "reviewed_on": gettext_lazy("Reviewed on"),
        "people_listed": gettext_lazy("People on the lists"),
        "resolution_no": gettext_lazy("Resolution or minutes number"),
    })
