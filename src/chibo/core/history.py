"""The audit trail for people: each recorded action as a translated phrase and its changes as
"field: before → after", never a raw action key or a Python value.

`core` knows no domain: each app registers the phrases of its own actions and the names of the
fields it records (in its AppConfig.ready), with an optional function that turns a stored value
into words (a status key into its label). An action nobody registered reads as "Change
recorded"; a field nobody named shows with its underscores as spaces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Field:
    label: str | Promise
    words: Callable[[Any], str] | None = None


_ACTIONS: dict[str, str | Promise] = {}
_FIELDS: dict[str, Field] = {}
UNKNOWN_ACTION = gettext_lazy("Change recorded")


def register_actions(phrases: dict[str, str | Promise]) -> None:
    _ACTIONS.update(phrases)


def register_fields(fields: dict[str, str | Promise | Field]) -> None:
    for key, spec in fields.items():
        _FIELDS[key] = spec if isinstance(spec, Field) else Field(label=spec)


def action_phrase(action: str) -> str:
    return str(_ACTIONS.get(action, UNKNOWN_ACTION))


def _words(value: Any, field: Field | None = None) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and field.words is not None and not isinstance(value, dict | list):
        try:
            return field.words(value)
        except (KeyError, ValueError, LookupError):
            pass
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, str):
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            if len(value) >= 10 and value[:4].isdigit() and value[4:5] == "-":
                try:
                    parsed = parse(value)
                except ValueError:
                    continue
                fmt = "SHORT_DATETIME_FORMAT" if isinstance(parsed, dt.datetime) else "SHORT_DATE_FORMAT"
                return date_format(parsed, fmt)
        return value
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {_words(v, _FIELDS.get(k))}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_words(v, field) for v in value)
    return str(value)


def field_label(key: str) -> str:
    spec = _FIELDS.get(key)
    return str(spec.label) if spec is not None else key.replace("_", " ")


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def changes(before: Any, after: Any) -> list[Change]:
    """The fields that differ between the snapshots (every field when there is no before)."""
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    out = []
    for key in list(dict.fromkeys([*a, *b])):
        if key in a and key in b and a[key] == b[key]:
            continue
        spec = _FIELDS.get(key)
        out.append(Change(field_label(key), _words(b.get(key), spec) if key in b else "",
                          _words(a.get(key), spec) if key in a else "—"))
    if not isinstance(before, dict) and before not in (None, ""):
        out.append(Change(_("before"), _words(before), ""))
    if not isinstance(after, dict) and after not in (None, ""):
        out.append(Change(_("after"), "", _words(after)))
    return out


@dataclass(frozen=True)
class Entry:
    at: Any
    actor: str
    phrase: str
    changes: list[Change]
    reason: str


def describe(events: Iterable[Any]) -> list[Entry]:
    """History rows for a template, from audit events."""
    return [
        Entry(
            at=e.at,
            actor=str(e.actor) if e.actor_id else _("system"),
            phrase=action_phrase(e.action),
            changes=changes(e.before, e.after),
            reason=e.reason,
        )
        for e in events
    ]
