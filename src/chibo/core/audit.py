"""Writing the audit trail. Services call `audit_log()` inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .chain import ChainReport, read_checkpoints, verify_table, write_checkpoint
from .middleware import current_request_id
from .models import AuditEvent, ReadLogEntry


def _user_or_none(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def audit_log(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    org_path: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_label = target_label or str(target)[:300]
    event = AuditEvent(
        actor=_user_or_none(actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:300],
        org_path=org_path,
        before=before,
        after=after,
        reason=reason,
        request_id=current_request_id() or "",
    )
    event.save()  # chained under the chain's lock, in the caller's transaction (chain.py)
    return event


CHAINED = (AuditEvent, ReadLogEntry)


def verify_all() -> tuple[list[ChainReport], list[str]]:
    """Both chains checked row by row and against the signed checkpoints; and the checkpoint
    file's own problems (lines not validly signed)."""
    checkpoints, problems = read_checkpoints()
    reports = [
        verify_table(AuditEvent, legacy_hash=AuditEvent.legacy_hash,
                     checkpoints=checkpoints.get("audit", [])),
        verify_table(ReadLogEntry, checkpoints=checkpoints.get("reads", [])),
    ]
    return reports, problems


def verify_chain() -> list[int]:
    """Ids of audit events whose hash does not match their content or chain."""
    return verify_table(AuditEvent, legacy_hash=AuditEvent.legacy_hash).bad


def audit_checkpoint() -> list[dict[str, Any]]:
    """Anchor both chains' heads outside the database (run it periodically: cron, a timer)."""
    return write_checkpoint(CHAINED)


def read_log(
    *, actor: Any, target: models.Model, org_path: str = "", purpose: str = "view"
) -> ReadLogEntry:
    return ReadLogEntry.objects.create(
        actor=_user_or_none(actor),
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        org_path=org_path,
        purpose=purpose,
        request_id=current_request_id() or "",
    )


def read_log_many(
    *, actor: Any, target_type: str, targets: Iterable[tuple[Any, str]], purpose: str = "view"
) -> int:
    """One read-log row per `(target id, org path)` of `targets` (every record a response carried),
    chained and written by one bulk insert under the chain's lock (`chain.append`), not one insert
    per row. Returns the number of rows written."""
    actor = _user_or_none(actor)
    request_id = current_request_id() or ""
    rows = [
        ReadLogEntry(actor=actor, target_type=target_type, target_id=str(pk), org_path=path or "",
                     purpose=purpose, request_id=request_id)
        for pk, path in targets
    ]
    if rows:
        ReadLogEntry.objects.bulk_create(rows)
    return len(rows)


def audit_history(*, user: Any, target_type: str, target_id: str) -> models.QuerySet[AuditEvent]:
    """The changes of one record that the user may see (the log is scoped by organization)."""
    return (
        AuditEvent.objects.restrict(user, "audit.view")
        .filter(target_type=target_type, target_id=target_id)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def audit_events(*, user: Any) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.restrict(user, "audit.view").select_related("actor")


def read_log_entries(*, user: Any) -> models.QuerySet[ReadLogEntry]:
    """The read log: administrators only (action `audit.reads`)."""
    return ReadLogEntry.objects.restrict(user, "audit.reads").select_related("actor")
