"""Restructuring plans: the YAML format, parsed and checked for shape (no database writes).

A plan is one YAML document::

    key: reform-2025-22                 # unique; a plan with the same key is applied only once
    title: Quảng Ninh, 1 July 2025      # optional
    on: 2025-07-01                      # default date of the events (optional)
    decision:                           # default decision of the events
      number: 123-QĐ/TU
      date: 2025-06-20
      issuer: Ban Thường vụ Tỉnh ủy Quảng Ninh
    events:                             # applied in this order; dates never go backwards
      - type: establish
        code: 22-CL-06691
        name: Đảng bộ phường Hồng Gai
        kind: commune_level_party_committee
        parent: "22"
        sector: commune
        admin_unit: "current:06691"     # or "legacy:22", "legacy:district:193"
        powers: [decide_admission]
      - {type: rename, org: CODE, name: NEW NAME}
      - {type: move, org: CODE, parent: CODE, kind: KIND}           # kind optional
      - {type: reclassify, org: CODE, kind: KIND}
      - type: merge
        sources: [A, B]
        into: CODE                      # or `new:` {code, name, kind, parent, sector, admin_unit, powers}
        members_to: CELL                # where members of merged cells go (default: the result if
                                        # it is a cell)
        children_kinds: {party_cell: grassroots_party_cell}   # optional: children change kind
        children_to: {CHILD: CODE}      # optional: some children go elsewhere
      - type: split
        source: CODE
        parts: [CODE, {code: ..., name: ..., kind: ..., parent: ...}]
        assign: {CHILD: 0}              # every child of the source: the index of its part
        members: {default: 0, by_member: {1234: 1}}   # when the source is a cell with members
        keep_source: false
      - {type: dissolve, org: CODE, children_to: CODE, members_to: CELL}

Every event may carry its own `on`, `decision` and `note`. An event marked `confirmed: false`
(the 2025 generator marks communes divided between several new communes so, with `divided: true`
and the `candidates`) is refused by `apply` until a person sets `confirmed: true` or changes the
destination. Events are numbered from 1 in messages.

YAML aliases are refused (no "billion laughs"); unknown fields are errors, so a typo is never
silently ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.utils.translation import gettext as _

from chibo.orgs.models import OrgKind, Power, Sector
from chibo.orgs.services import CODE_RE, DecisionRef

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
UNIT_RE = re.compile(r"^(legacy|current):(?:(province|district|commune):)?([0-9]{1,8})$")
MAX_PLAN_BYTES = 20 * 1024 * 1024
EVENT_TYPES = ("establish", "rename", "move", "reclassify", "merge", "split", "dissolve")
COMMON_FIELDS = {"type", "on", "decision", "note", "divided", "confirmed", "candidates"}


class PlanError(Exception):
    """The plan cannot be read or its shape is wrong. `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Event:
    index: int  # from 1
    type: str
    on: dt.date
    decision: DecisionRef | None
    fields: dict[str, Any]
    note: str = ""
    divided: bool = False
    confirmed: bool | None = None
    candidates: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return _("event %(n)d (%(type)s)") % {"n": self.index, "type": self.type}

    @property
    def needs_confirmation(self) -> bool:
        return self.confirmed is False

    def subject(self) -> str:
        f = self.fields
        if self.type == "establish":
            return str(f["code"])
        if self.type == "merge":
            target = f.get("into") or (f.get("new") or {}).get("code", "?")
            return f"{', '.join(f['sources'])} → {target}"
        if self.type == "split":
            return str(f["source"])
        return str(f.get("org", ""))


@dataclass
class Plan:
    key: str
    title: str
    events: list[Event]
    checksum: str
    text: str

    @property
    def dates(self) -> tuple[dt.date, dt.date]:
        days = [e.on for e in self.events]
        return min(days), max(days)

    @property
    def unconfirmed(self) -> list[Event]:
        return [e for e in self.events if e.needs_confirmation]


# --- reading YAML safely ------------------------------------------------------------------------


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases (and so exponential expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a plan", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)


def _keys(value: Any) -> Any:
    """YAML 1.1 reads an unquoted `on:` key as the boolean true: take it back as "on"."""
    if isinstance(value, dict):
        return {("on" if k is True else k): v for k, v in value.items()}
    return value


def checksum_of(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- field checkers -----------------------------------------------------------------------------


class _Bad(Exception):
    pass


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Bad(_("expected a date (YYYY-MM-DD)"))


def _text(value: Any, max_len: int = 255) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _Bad(_("expected a non-empty text"))
    if len(value.strip()) > max_len:
        raise _Bad(_("too long (at most %(n)d characters)") % {"n": max_len})
    return value.strip()


def _code(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not CODE_RE.match(value.strip()):
        raise _Bad(_("expected an organization code (letters, digits, dot, dash, underscore; at most 40)"))
    return value.strip()


def _opt_code(value: Any) -> str | None:
    return None if value is None else _code(value)


def _codes(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise _Bad(_("expected a non-empty list of organization codes"))
    out = [_code(v) for v in value]
    if len(set(out)) != len(out):
        raise _Bad(_("a code is listed twice"))
    return out


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(_("expected true or false"))
    return value


def _index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Bad(_("expected a part number (0, 1, …)"))
    return value


def _sector(value: Any) -> str:
    if value not in Sector.values:
        raise _Bad(_("unknown sector %(value)r (one of: %(choices)s)")
                   % {"value": value, "choices": ", ".join(Sector.values)})
    return str(value)


def _powers(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or any(v not in Power.values for v in value):
        raise _Bad(_("expected a list of powers (%(choices)s)") % {"choices": ", ".join(Power.values)})
    return [str(v) for v in value]


def _unit(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not UNIT_RE.match(value.strip()):
        raise _Bad(_("expected an administrative unit as “legacy:CODE” or “current:CODE”"))
    return value.strip()


def _code_map(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Bad(_("expected a mapping of organization codes"))
    return {_code(k): _code(v) for k, v in value.items()}


def _decision(value: Any) -> DecisionRef | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Bad(_("expected {number, date, issuer}"))
    extra = set(value) - {"number", "date", "issuer"}
    if extra:
        raise _Bad(_("unknown fields: %(fields)s") % {"fields": ", ".join(sorted(map(str, extra)))})
    missing = {"number", "date", "issuer"} - set(value)
    if missing:
        raise _Bad(_("missing: %(fields)s") % {"fields": ", ".join(sorted(missing))})
    return DecisionRef(number=_text(value["number"], 64), date=_date(value["date"]),
                       issuer=_text(value["issuer"], 200))


# --- the events ---------------------------------------------------------------------------------

Checker = Callable[[Any], Any]


class _EventReader:
    def __init__(self, index: int, raw: dict[Any, Any], kinds: set[str], errors: list[str]) -> None:
        self.index, self.raw, self.kinds, self.errors = index, raw, kinds, errors
        self.type = str(raw.get("type", ""))
        self.ok = True

    def fail(self, name: str, message: str) -> None:
        self.ok = False
        self.errors.append(
            _("Event %(n)d (%(type)s), field “%(field)s”: %(message)s")
            % {"n": self.index, "type": self.type or "?", "field": name, "message": message}
        )

    def get(self, name: str, check: Checker, required: bool = True, default: Any = None) -> Any:
        if name not in self.raw or (self.raw[name] is None and required):
            if required:
                self.fail(name, _("missing"))
            return default
        try:
            return check(self.raw[name])
        except _Bad as exc:
            self.fail(name, str(exc))
            return default

    def kind(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.kinds:
            raise _Bad(_("unknown kind %(value)r (one of: %(choices)s)")
                       % {"value": value, "choices": ", ".join(sorted(self.kinds))})
        return value

    def kind_map(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise _Bad(_("expected a mapping from kind to kind"))
        return {self.kind(k): self.kind(v) for k, v in value.items()}

    def new_org(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _Bad(_("expected {code, name, kind, parent, sector, admin_unit, powers}"))
        extra = set(value) - {"code", "name", "kind", "parent", "sector", "admin_unit", "powers"}
        if extra:
            raise _Bad(_("unknown fields: %(fields)s") % {"fields": ", ".join(sorted(map(str, extra)))})
        for name in ("code", "name", "kind"):
            if value.get(name) is None:
                raise _Bad(_("missing: %(fields)s") % {"fields": name})
        return {
            "code": _code(value["code"]),
            "name": _text(value["name"]),
            "kind": self.kind(value["kind"]),
            "parent": _opt_code(value.get("parent")),
            "sector": _sector(value.get("sector", Sector.OTHER)),
            "admin_unit": _unit(value.get("admin_unit")),
            "powers": _powers(value.get("powers")),
        }

    def members_rule(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise _Bad(_("expected {default: PART, by_member: {MEMBER_ID: PART}}"))
        extra = set(value) - {"default", "by_member"}
        if extra:
            raise _Bad(_("unknown fields: %(fields)s") % {"fields": ", ".join(sorted(map(str, extra)))})
        out: dict[str, Any] = {}
        if value.get("default") is not None:
            out["default"] = _index(value["default"])
        by_member = value.get("by_member") or {}
        if not isinstance(by_member, dict):
            raise _Bad(_("by_member: expected a mapping from member id to part number"))
        members: dict[int, int] = {}
        for k, v in by_member.items():
            try:
                member_id = int(k)
            except (TypeError, ValueError):
                raise _Bad(_("by_member: %(value)r is not a member id") % {"value": k}) from None
            members[member_id] = _index(v)
        out["by_member"] = members
        return out

    def read(self) -> dict[str, Any]:
        t = self.type
        allowed = set(COMMON_FIELDS)
        f: dict[str, Any] = {}
        if t == "establish":
            allowed |= {"code", "name", "kind", "parent", "sector", "admin_unit", "powers"}
            f["code"] = self.get("code", _code)
            f["name"] = self.get("name", _text)
            f["kind"] = self.get("kind", self.kind)
            f["parent"] = self.get("parent", _opt_code, required=False)
            f["sector"] = self.get("sector", _sector, required=False, default=Sector.OTHER)
            f["admin_unit"] = self.get("admin_unit", _unit, required=False)
            f["powers"] = self.get("powers", _powers, required=False, default=[])
        elif t == "rename":
            allowed |= {"org", "name"}
            f["org"] = self.get("org", _code)
            f["name"] = self.get("name", _text)
        elif t == "move":
            allowed |= {"org", "parent", "kind"}
            f["org"] = self.get("org", _code)
            if "parent" not in self.raw:
                self.fail("parent", _("missing (write null to make it a root)"))
            f["parent"] = self.get("parent", _opt_code, required=False)
            f["kind"] = self.get("kind", self.kind, required=False)
        elif t == "reclassify":
            allowed |= {"org", "kind"}
            f["org"] = self.get("org", _code)
            f["kind"] = self.get("kind", self.kind)
        elif t == "merge":
            allowed |= {"sources", "into", "new", "members_to", "children_kinds", "children_to"}
            f["sources"] = self.get("sources", _codes, default=[])
            f["into"] = self.get("into", _opt_code, required=False)
            f["new"] = self.get("new", self.new_org, required=False)
            if (f["into"] is None) == (f["new"] is None) and self.ok:
                self.fail("into", _("give exactly one destination: `into` (an existing code) or `new`"))
            if f["into"] is not None and f["into"] in f["sources"]:
                self.fail("into", _("an organization cannot be merged into itself"))
            f["members_to"] = self.get("members_to", _opt_code, required=False)
            f["children_kinds"] = self.get("children_kinds", self.kind_map, required=False, default={})
            f["children_to"] = self.get("children_to", _code_map, required=False, default={})
        elif t == "split":
            allowed |= {"source", "parts", "assign", "members", "keep_source"}
            f["source"] = self.get("source", _code)
            f["parts"] = self.get("parts", self.parts, default=[])
            f["assign"] = self.get("assign", self.assign, required=False, default={})
            f["members"] = self.get("members", self.members_rule, required=False, default={})
            f["keep_source"] = self.get("keep_source", _bool, required=False, default=False)
            n = len(f["parts"])
            for child, idx in f["assign"].items():
                if idx >= n:
                    self.fail("assign", _("%(child)s: there is no part %(idx)d") % {"child": child, "idx": idx})
            rule = f["members"]
            for idx in [rule.get("default"), *rule.get("by_member", {}).values()]:
                if idx is not None and idx >= n:
                    self.fail("members", _("there is no part %(idx)d") % {"idx": idx})
            if f["keep_source"] and rule.get("default") is not None:
                self.fail("members", _("with keep_source, members stay unless listed in by_member; "
                                       "remove `default`"))
        elif t == "dissolve":
            allowed |= {"org", "children_to", "members_to"}
            f["org"] = self.get("org", _code)
            f["children_to"] = self.get("children_to", _opt_code, required=False)
            f["members_to"] = self.get("members_to", _opt_code, required=False)
        else:
            self.fail("type", _("unknown event type %(value)r (one of: %(choices)s)")
                      % {"value": self.raw.get("type"), "choices": ", ".join(EVENT_TYPES)})
            return f
        for name in sorted(set(map(str, self.raw)) - allowed):
            self.fail(name, _("unknown field"))
        return f

    def parts(self, value: Any) -> list[str | dict[str, Any]]:
        if not isinstance(value, list) or not value:
            raise _Bad(_("expected a non-empty list of codes or new organizations"))
        return [self.new_org(v) if isinstance(v, dict) else _code(v) for v in value]

    def assign(self, value: Any) -> dict[str, int]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise _Bad(_("expected a mapping from child code to part number"))
        return {_code(k): _index(v) for k, v in value.items()}


def _known_kinds() -> set[str]:
    return set(OrgKind.objects.values_list("key", flat=True))


def plan_parse(text: str) -> Plan:
    """Read and check a plan. Raises `PlanError` listing every problem of shape; nothing about
    the database state is checked here (that is `services.plan_check`)."""
    if len(text.encode("utf-8")) > MAX_PLAN_BYTES:
        raise PlanError([_("The plan is too large (at most %(mb)d MB).") % {"mb": MAX_PLAN_BYTES // 2**20}])
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise PlanError([_("The plan is not valid YAML: %(error)s") % {"error": exc}]) from None
    if not isinstance(data, dict):
        raise PlanError([_("A plan is a YAML mapping with `key`, `decision` and `events`.")])
    data = _keys(data)
    if isinstance(data.get("events"), list):
        data["events"] = [_keys(e) for e in data["events"]]
    errors: list[str] = []

    def top(name: str, message: str) -> None:
        errors.append(_("Plan, field “%(field)s”: %(message)s") % {"field": name, "message": message})

    for name in sorted(set(map(str, data)) - {"key", "title", "on", "decision", "events"}):
        top(name, _("unknown field"))
    key = data.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key.strip()):
        top("key", _("expected a key of letters, digits, “.”, “_”, “:” or “-” (at most 100)"))
        key = ""
    title = data.get("title") or ""
    if not isinstance(title, str) or len(title) > 300:
        top("title", _("expected a text of at most 300 characters"))
        title = ""
    default_on: dt.date | None = None
    if data.get("on") is not None:
        try:
            default_on = _date(data["on"])
        except _Bad as exc:
            top("on", str(exc))
    default_decision: DecisionRef | None = None
    try:
        default_decision = _decision(data.get("decision"))
    except _Bad as exc:
        top("decision", str(exc))
    raw_events = data.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        top("events", _("expected a non-empty list of events"))
        raw_events = []
    kinds = _known_kinds()
    events: list[Event] = []
    created: set[str] = set()
    last_on: dt.date | None = None
    for i, raw in enumerate(raw_events, start=1):
        if not isinstance(raw, dict):
            errors.append(_("Event %(n)d: expected a mapping with a `type`.") % {"n": i})
            continue
        reader = _EventReader(i, raw, kinds, errors)
        fields = reader.read()
        on = reader.get("on", _date, required=False, default=default_on)
        if on is None and "on" not in raw:
            reader.fail("on", _("missing (give it here or at the top of the plan)"))
        decision = reader.get("decision", _decision, required=False, default=default_decision)
        if decision is None and reader.ok:
            reader.fail("decision", _("missing (give it here or at the top of the plan)"))
        note = reader.get("note", lambda v: _text(v, 2000), required=False, default="")
        divided = reader.get("divided", _bool, required=False, default=False)
        confirmed = reader.get("confirmed", _bool, required=False, default=None)
        candidates = reader.get("candidates", lambda v: [_code(c) for c in (v or [])], required=False,
                                default=[])
        for code in _created_codes(reader.type, fields):
            if code in created:
                reader.fail("code", _("%(code)s is established twice in the plan") % {"code": code})
            created.add(code)
        if on is not None and last_on is not None and on < last_on:
            reader.fail("on", _("events are listed in date order (the previous one is dated %(date)s)")
                        % {"date": last_on.isoformat()})
        if on is not None:
            last_on = on
        if reader.ok and on is not None:
            events.append(Event(index=i, type=reader.type, on=on, decision=decision, fields=fields,
                                note=note, divided=divided, confirmed=confirmed, candidates=candidates))
    if errors:
        raise PlanError(errors)
    return Plan(key=str(key).strip(), title=title.strip(), events=events, checksum=checksum_of(data), text=text)


def _created_codes(type_: str, f: dict[str, Any]) -> list[str]:
    if type_ == "establish" and f.get("code"):
        return [f["code"]]
    if type_ == "merge" and f.get("new"):
        return [f["new"]["code"]]
    if type_ == "split":
        return [p["code"] for p in f.get("parts", []) if isinstance(p, dict)]
    return []


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def plan_dump(data: dict[str, Any], header: str = "") -> str:
    """A plan as YAML text (block style, UTF-8 kept, no aliases), with an optional comment header."""
    body = yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=100)
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    return "\n".join([*lines, body]) if lines else body
