"""The impact-assessment task a restructuring raises (Law 91/2025/QH15 Art. 22(2)(a))."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log

from .models import AppliedPlan, DpiaTask


def dpia_task_raise(*, actor: Any, applied: AppliedPlan, org_path: str, due_on: dt.date) -> DpiaTask:
    """Inside the apply's transaction: the task exists exactly when the plan was applied."""
    task = DpiaTask.objects.create(plan=applied, org_path=org_path, due_on=due_on)
    audit_log(actor=actor, action="dpia.raise", target=task, target_label=applied.key, org_path=org_path,
              after={"plan": applied.key, "due_on": due_on.isoformat()},
              reason="Law 91/2025/QH15 Art. 22(2)(a)")
    return task


@transaction.atomic
def dpia_task_complete(*, actor: Any, task: DpiaTask, note: str) -> DpiaTask:
    task = DpiaTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        raise ValidationError(_("The impact assessment update is already recorded."))
    if not note.strip():
        raise ValidationError(_("Say what was updated (the dossier's reference)."))
    task.done_at = timezone.now()
    task.done_by = actor if getattr(actor, "pk", None) else None
    task.note = note.strip()
    task.save(update_fields=["done_at", "done_by", "note"])
    audit_log(actor=actor, action="dpia.complete", target=task, target_label=task.plan.key, org_path=task.org_path,
              before={"done_at": None}, after={"done_at": task.done_at.isoformat(), "note": task.note},
              reason=task.note)
    return task
