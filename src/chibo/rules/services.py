"""Editing the rulebook: a new value closes the one in force and opens a new period."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log

from .models import Confidence, PolicyParameter


@transaction.atomic
def parameter_set(
    *, actor: Any, key: str, value: Any, valid_from: dt.date, source: str,
    confidence: str = Confidence.CONFIRMED, unit: str = "", org: Any = None, reason: str = "",
    description: str = "",
) -> PolicyParameter:
    key = key.strip()
    if not key or len(key) > 100:
        raise ValidationError(_("A parameter needs a key of at most 100 characters."))
    if not source.strip():
        raise ValidationError(_("Name the source document of the value."))
    if confidence not in Confidence.values:
        raise ValidationError(_("Unknown confidence level."))
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("The value must be a number, text, list or mapping.")) from exc
    rows = PolicyParameter.objects.select_for_update().filter(key=key, org=org)
    later = rows.filter(valid_from__gt=valid_from).order_by("valid_from").first()
    if later is not None:
        raise ValidationError(
            _("A later value (from %(date)s) exists; change that one first.") % {"date": later.valid_from}
        )
    current = rows.filter(valid_from__lte=valid_from).order_by("-valid_from").first()
    before = None
    if current is not None:
        before = {"value": current.value, "valid_from": str(current.valid_from), "source": current.source}
        if current.valid_from == valid_from:
            raise ValidationError(_("A value already starts on that date; choose a later date."))
        current.valid_to = valid_from
        current.save(update_fields=["valid_to"])
    row = PolicyParameter.objects.create(
        key=key, value=value, unit=unit or (current.unit if current else ""), source=source.strip(),
        confidence=confidence, org=org, valid_from=valid_from,
        description=description or (current.description if current else ""),
    )
    path = ""
    if org is not None:
        version = org.latest_version()
        path = version.path if version else ""
    audit_log(actor=actor, action="rules.set", target=row, org_path=path, before=before,
              after={"key": key, "value": value, "valid_from": str(valid_from), "source": row.source,
                     "confidence": confidence, "org": getattr(org, "code", None)},
              reason=reason)
    return row
