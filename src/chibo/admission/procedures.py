"""The admission procedure owns recognition and removal during probation of the members it
admitted (members/procedures.py): the member page's event form refuses them and points to the
applicant's page, where the recognition vote, resolution and decision are recorded."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from chibo.members.choices import EventType

from .models import IN_PROBATION, Applicant, Step

OWNED = (EventType.RECOGNIZED, EventType.REMOVED)


def admission_owns(member: Any, type: str) -> tuple[str, str] | None:
    if type not in OWNED:
        return None
    applicant = (Applicant.objects.filter(member_id=member.pk, state__in=(*IN_PROBATION, Step.REFUSED,
                                                                          Step.ESCALATED))
                 .only("pk").order_by("-pk").first())
    if applicant is None:
        return None
    url = reverse("admission:detail", args=[applicant.pk])
    if type == EventType.RECOGNIZED:
        return _("This member is in probation under the admission procedure: the recognition is recorded "
                 "there, with the cell's vote, the committee's resolution and the decision."), url
    return _("This member is in probation under the admission procedure: a removal during probation is "
             "recorded there, with its decision."), url
