"""Helpers of the supervision commands."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from chibo.accounts.models import User
from chibo.orgs.models import Organization


def system_user() -> User:
    """An unsaved superuser: the scope of the whole system, for reports run by the operator."""
    return User(username="system", is_superuser=True, is_active=True)


def date_arg(raw: str | None, option: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"{option}: {raw!r} is not a date (use YYYY-MM-DD).") from exc


def org_arg(code: str | None) -> Organization | None:
    if not code:
        return None
    org = Organization.objects.filter(code=code).first()
    if org is None:
        raise CommandError(f"--under: no organization with code {code!r}.")
    return org
