"""Sensitive member fields (security.md G5): which they are, and the one check that a user may
ask by them.

Ethnicity, religion and identity number are shown only to users with `member.view_sensitive`
for that member (the serializers null them, the pages hide them). Grouping, filtering or
sorting by one of them reveals it just as well (a count by religion of a cell with one member
admitted that day *is* that member's religion), so every path that takes a field name — the
counts and breakdown API, the list's filters and ordering (API and pages), exports, the `--as`
commands — calls `require_sensitive()` with the names it was given, before reading anything:
without `member.view_sensitive` over the whole scope asked about (the organization asked for
on that date, or the user's whole `member.view` scope when none is given) it raises
`SensitiveFieldDenied`, which the API and the pages answer with 403 and a translated message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from chibo.core.scoping import resolve_scope
from chibo.core.validtime import today

VIEW = "member.view"
SENSITIVE = "member.view_sensitive"
# The one list of the member fields shown only with `member.view_sensitive` (the serializers,
# the pages, the exports and the checks below all use it).
SENSITIVE_FIELDS: tuple[str, ...] = ("ethnicity", "religion", "national_id")


class SensitiveFieldDenied(PermissionDenied):
    """Asked to group, filter or sort by a sensitive field without the permission to see it over
    the whole scope asked about. `user_message` is shown as is by the 403 handlers."""

    def __init__(self, fields: Iterable[str]) -> None:
        from .models import Member

        self.fields = tuple(fields)
        labels = ", ".join(str(getattr(Member._meta.get_field(f), "verbose_name", f)) for f in self.fields)
        self.user_message = _(
            "You may not group, filter or sort members by %(fields)s here: that needs the permission "
            "to see sensitive member data over everything you asked about."
        ) % {"fields": labels}
        super().__init__(self.user_message)


def sensitive_names(names: Iterable[Any]) -> list[str]:
    """The sensitive fields among `names`: field names, orderings (`-religion`), lookups
    (`religion__in`) and comma-separated lists of them; anything else is ignored."""
    found: list[str] = []
    for raw in names:
        for part in str(raw or "").split(","):
            name = part.strip().lstrip("-+").split("__", 1)[0]
            if name in SENSITIVE_FIELDS and name not in found:
                found.append(name)
    return found


# query parameters whose value is a field name (grouping, sorting)
FIELD_PARAMS: tuple[str, ...] = ("by", "count_by", "ordering", "order_by", "sort")


def asked_fields(params: Any) -> list[str]:
    """The sensitive fields a request's parameters ask about: named as the value of a grouping or
    sorting parameter (`by=religion`, `ordering=-ethnicity`), or filtered on (`religion=none`,
    `religion__in=…`, any non-empty value)."""
    names: list[str] = []
    for key in params:
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        if key in FIELD_PARAMS:
            names += [str(v) for v in values]
        elif any(str(v).strip() for v in values):
            names.append(str(key))
    return sensitive_names(names)


def covers(user: Any, org: Any = None, on: dt.date | None = None) -> bool:
    """Whether the user may see sensitive fields over the whole scope asked about: `org` (its
    place in the tree on `on`, today by default, else its last) or, without one, everything the
    user may see of members."""
    scope = resolve_scope(user, SENSITIVE)
    if scope.everything:
        return True
    if scope.is_empty:
        return False
    if org is None:
        seen = resolve_scope(user, VIEW)
        return not seen.everything and all(scope.covers_path(path) for path in seen.paths)
    version = org.version_on(on or today()) or org.latest_version()
    return version is not None and scope.covers_path(version.path)


def require_sensitive(user: Any, field_names: Iterable[Any], *, org: Any = None, on: dt.date | None = None) -> None:
    """Raise `SensitiveFieldDenied` when `field_names` name a sensitive field and the user may
    not see sensitive fields over the scope asked about (`covers`). No query without one."""
    asked = sensitive_names(field_names)
    if asked and not covers(user, org, on):
        raise SensitiveFieldDenied(asked)
