"""Every write to the organization tree. One transaction each, validated, audited.

The tree stays a valid forest at every date: no cycle, kinds only under the kinds they may sit
under (a party cell is never above a committee), and no child outliving its parent. A change
that would break this raises `ValidationError` and writes nothing.

Changes to one organization are entered in date order: a change dated before the
organization's latest change is refused (correct the later change first).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chibo.core.audit import audit_log
from chibo.core.paths import child_path, depth, segment, segments
from chibo.core.text import fold, normalize_text

from .models import (
    Decision,
    EventType,
    LinkRole,
    Organization,
    OrgEvent,
    OrgEventLink,
    OrgKind,
    OrgPower,
    OrgVersion,
    Sector,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


@dataclass(frozen=True)
class DecisionRef:
    number: str
    date: dt.date
    issuer: str


@dataclass(frozen=True)
class NewOrg:
    """What a merge or split creates."""

    code: str
    name: str
    kind: str | OrgKind
    parent: Organization | None
    sector: str = Sector.OTHER
    admin_unit_id: int | None = None
    powers: Sequence[str] = field(default_factory=tuple)


def _d(on: dt.date) -> str:
    return date_format(on, "SHORT_DATE_FORMAT")


def _decision(ref: DecisionRef | Decision | None) -> Decision | None:
    if ref is None or isinstance(ref, Decision):
        return ref
    number = normalize_text(ref.number)
    issuer = normalize_text(ref.issuer)
    if not number or not issuer:
        raise ValidationError(_("A decision needs a number and an issuer."))
    decision, _created = Decision.objects.get_or_create(number=number, date=ref.date, issuer=issuer)
    return decision


def decision_record(ref: DecisionRef | Decision | None) -> Decision | None:
    """The stored decision for `ref` (created the first time). A caller that writes many
    changes under the same decisions, in one transaction, resolves each once and passes the
    `Decision` to the services."""
    return _decision(ref)


def kinds_by_key() -> dict[str, OrgKind]:
    """Every organization kind by key: a caller that writes many changes in one transaction
    reads them once and passes the `OrgKind` to the services."""
    return {k.key: k for k in OrgKind.objects.all()}


def _kind(key: str | OrgKind) -> OrgKind:
    if isinstance(key, OrgKind):
        return key
    kind = OrgKind.objects.filter(key=key).first()
    if kind is None:
        raise ValidationError(_("Unknown organization kind: %(kind)s") % {"kind": key})
    return kind


def _clean_name(name: str) -> str:
    name = normalize_text(name)
    if not name:
        raise ValidationError(_("The name must not be empty."))
    if len(name) > 255:
        raise ValidationError(_("The name is too long (at most 255 characters)."))
    return name


def _event(
    type_: str, on: dt.date, decision: DecisionRef | Decision | None, actor: Any, note: str = "", plan_key: str = ""
) -> OrgEvent:
    return OrgEvent.objects.create(
        type=type_,
        on=on,
        decision=_decision(decision),
        note=note,
        plan_key=plan_key,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _link(event: OrgEvent, org: Organization, role: str) -> None:
    # One statement; the same organization in the same role of one event is linked once.
    OrgEventLink.objects.bulk_create([OrgEventLink(event=event, org=org, role=role)], ignore_conflicts=True)


def _latest(org: Organization) -> OrgVersion | None:
    """The organization's latest version, with its kind and parent (one query)."""
    return OrgVersion.objects.filter(org=org).select_related("kind", "parent").order_by("-valid_from").first()


def _label(org: Organization) -> str:
    v = _latest(org)
    return v.name if v else org.code


# --- the tree primitives -------------------------------------------------------------------


def _check_kind_dates(kind: OrgKind, start: dt.date) -> None:
    if kind.valid_from and start < kind.valid_from:
        raise ValidationError(
            _("The kind “%(kind)s” exists only from %(date)s.")
            % {"kind": kind.label, "date": _d(kind.valid_from)}
        )
    if kind.valid_to and start >= kind.valid_to:
        raise ValidationError(
            _("The kind “%(kind)s” was abolished on %(date)s.")
            % {"kind": kind.label, "date": _d(kind.valid_to)}
        )


def _fit_to_parent(
    v: OrgVersion, event: OrgEvent, parent_versions: list[OrgVersion] | None = None
) -> tuple[list[OrgVersion], bool]:
    """Make `v` follow its parent over its whole period: check the parent is alive throughout,
    that the kinds fit and that there is no cycle; split `v` where the parent's path changes.
    Returns the resulting versions and whether anything changed. An unsaved `v` is checked
    first and then inserted, with its final path."""
    own = segment(v.org_id)
    adding = v._state.adding
    if v.parent_id is None:
        if not v.kind.may_be_root:
            raise ValidationError(
                _("“%(name)s” (%(kind)s) must have a parent organization.")
                % {"name": v.name, "kind": v.kind.label}
            )
        if v.path != own:
            v.path, v.depth = own, 1
            _save_fitted(v, adding, ["path", "depth"])
            return [v], True
        if adding:
            v.save(force_insert=True)
        return [v], False
    if v.parent_id == v.org_id:
        raise ValidationError(_("An organization cannot be its own parent."))
    if parent_versions is None:
        parent_versions = list(
            OrgVersion.objects.filter(org_id=v.parent_id)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=v.valid_from))
            .select_related("kind")
            .order_by("valid_from")
        )
    pvs = [
        p
        for p in parent_versions
        if (p.valid_to is None or p.valid_to > v.valid_from)
        and (v.valid_to is None or p.valid_from < v.valid_to)
    ]
    # The parent must be alive over the whole of v's period, without gaps.
    cursor: dt.date | None = v.valid_from
    alive = bool(pvs) and pvs[0].valid_from <= v.valid_from
    for p in pvs:
        if not alive or cursor is None or p.valid_from > cursor:
            alive = False
            break
        cursor = p.valid_to
    if alive and cursor is not None and (v.valid_to is None or cursor < v.valid_to):
        alive = False
    if not alive:
        parent_name = pvs[0].name if pvs else str(v.parent_id)
        raise ValidationError(
            _("“%(child)s” cannot belong to “%(parent)s” from %(date)s: the parent does not exist "
              "for the whole period (a child cannot outlive its parent).")
            % {"child": v.name, "parent": parent_name, "date": _d(v.valid_from)}
        )
    pieces: list[tuple[dt.date, dt.date | None, str]] = []
    for p in pvs:
        if own in _segs(p.path):
            raise ValidationError(
                _("“%(child)s” cannot be placed under “%(parent)s”: that would make a cycle.")
                % {"child": v.name, "parent": p.name}
            )
        if p.kind.key not in v.kind.parent_kinds:
            raise ValidationError(
                _("A %(kind)s cannot be placed under a %(parent_kind)s (“%(parent)s”).")
                % {"kind": v.kind.label, "parent_kind": p.kind.label, "parent": p.name}
            )
        start = max(v.valid_from, p.valid_from)
        end = p.valid_to if v.valid_to is None else (v.valid_to if p.valid_to is None else min(v.valid_to, p.valid_to))
        path = p.path + own
        if pieces and pieces[-1][2] == path:
            pieces[-1] = (pieces[-1][0], end, path)
        else:
            pieces.append((start, end, path))
    first_start, first_end, first_path = pieces[0]
    if len(pieces) == 1 and first_path == v.path:
        if adding:
            v.save(force_insert=True)
        return [v], False
    v.valid_to, v.path, v.depth = first_end, first_path, depth(first_path)
    _save_fitted(v, adding, ["valid_to", "path", "depth"])
    out = [v]
    for start, end, path in pieces[1:]:
        out.append(
            OrgVersion.objects.create(
                org_id=v.org_id, name=v.name, search_key=v.search_key, kind=v.kind,
                parent_id=v.parent_id, path=path, depth=depth(path),
                valid_from=start, valid_to=end, event=event,
            )
        )
    return out, True


def _save_fitted(v: OrgVersion, adding: bool, fields: list[str]) -> None:
    if adding:
        v.save(force_insert=True)
    else:
        v.save(update_fields=fields)


def _segs(path: str) -> list[str]:
    return [segment(s) for s in segments(path)]


def _sync_children(org_id: int, since: dt.date, event: OrgEvent) -> None:
    """Children (and their subtrees) follow `org`'s versions from `since` on."""
    children = list(
        OrgVersion.objects.filter(parent_id=org_id)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=since))
        .select_related("kind")
        .order_by("org_id", "valid_from")
    )
    if not children:
        return
    earliest = min(w.valid_from for w in children)
    parent_versions = list(
        OrgVersion.objects.filter(org_id=org_id)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=earliest))
        .select_related("kind")
        .order_by("valid_from")
    )
    for w in children:
        _pieces, changed = _fit_to_parent(w, event, parent_versions)
        if changed:
            _sync_children(w.org_id, max(since, w.valid_from), event)


def _open_version(
    org: Organization,
    *,
    on: dt.date,
    event: OrgEvent,
    name: str | None = None,
    kind: OrgKind | None = None,
    parent: Organization | None | bool = False,
    latest: OrgVersion | None = None,
) -> OrgVersion:
    """Close `org`'s current version at `on` and open one with the given changes (`parent=False`
    keeps the parent). The subtree follows. `latest`: the organization's latest version if the
    caller has just read it. Returns the organization's latest version afterwards."""
    if latest is None:
        latest = _latest(org)
    if latest is None:
        raise ValidationError(_("The organization has no history."))
    if latest.valid_to is not None:
        raise ValidationError(
            _("“%(name)s” no longer exists on %(date)s.") % {"name": latest.name, "date": _d(on)}
        )
    if latest.valid_from > on:
        raise ValidationError(
            _("“%(name)s” already has a later change (from %(later)s); changes to one organization "
              "are entered in date order.")
            % {"name": latest.name, "later": _d(latest.valid_from)}
        )
    if org.valid_from > on:
        raise ValidationError(
            _("“%(name)s” was established only on %(date)s.")
            % {"name": latest.name, "date": _d(org.valid_from)}
        )
    new_kind = kind or latest.kind
    if new_kind.pk != latest.kind_id:
        _check_kind_dates(new_kind, on)
    new_parent_id = (
        latest.parent_id if parent is False else (parent.pk if isinstance(parent, Organization) else None)
    )
    new_name = _clean_name(name) if name is not None else latest.name
    if latest.valid_from == on:
        v = latest  # a second change on the same day amends that day's version
        v.name, v.search_key, v.kind, v.parent_id, v.event = (
            new_name, fold(new_name), new_kind, new_parent_id, event
        )
        v.save(update_fields=["name", "search_key", "kind", "parent", "event"])
    else:
        latest.valid_to = on
        latest.save(update_fields=["valid_to"])
        # inserted by _fit_to_parent, once its path is known
        v = OrgVersion(
            org=org, name=new_name, search_key=fold(new_name), kind=new_kind,
            parent_id=new_parent_id, path=latest.path, depth=latest.depth,
            valid_from=on, valid_to=None, event=event,
        )
    if isinstance(parent, Organization):
        v.parent = parent
    elif parent is False and new_parent_id is not None and "parent" in latest._state.fields_cache:
        v.parent = latest.parent
    pieces, _changed = _fit_to_parent(v, event)
    _sync_children(org.pk, on, event)
    return pieces[-1]


def _close(org: Organization, *, on: dt.date, event: OrgEvent) -> OrgVersion:
    """Close the organization on `on`; returns its (closed) latest version."""
    latest = _latest(org)
    if latest is None or latest.valid_to is not None:
        raise ValidationError(_("“%(code)s” is already dissolved.") % {"code": org.code})
    if latest.valid_from >= on:
        raise ValidationError(
            _("“%(name)s” cannot be dissolved on %(date)s: it has a change on or after that date.")
            % {"name": latest.name, "date": _d(on)}
        )
    latest.valid_to = on
    latest.save(update_fields=["valid_to"])
    org.valid_to = on
    org.save(update_fields=["valid_to"])
    OrgPower.objects.filter(org=org, valid_to__isnull=True).update(valid_to=on)
    remaining = (
        OrgVersion.objects.filter(parent=org)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("name")
        .first()
    )
    if remaining is not None:
        raise ValidationError(
            _("“%(name)s” still has sub-organizations on %(date)s (for example “%(child)s”): give "
              "them a destination first.")
            % {"name": latest.name, "date": _d(on), "child": remaining.name}
        )
    return latest


def _require_alive(org: Organization, on: dt.date) -> None:
    """A split's source, a merge or split destination must exist on the day (not dissolved, not
    yet to come)."""
    if org.version_on(on) is None:
        raise ValidationError(
            _("“%(name)s” does not exist on %(date)s.") % {"name": _label(org), "date": _d(on)}
        )


def _children_on(org: Organization, on: dt.date) -> list[Organization]:
    ids = (
        OrgVersion.objects.filter(parent=org)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .values_list("org_id", flat=True)
        .distinct()
    )
    return list(Organization.objects.filter(pk__in=list(ids)).order_by("code"))


def _snapshot(org: Organization, v: OrgVersion | None) -> dict[str, Any]:
    """The organization as its latest version `v` shows it, for the audit trail."""
    return {
        "code": org.code,
        "name": v.name if v else None,
        "kind": v.kind.key if v else None,
        "parent": v.parent.code if v and v.parent_id and v.parent else None,
        "valid_from": str(org.valid_from),
        "valid_to": str(org.valid_to) if org.valid_to else None,
    }


def _before(org: Organization) -> tuple[OrgVersion | None, dict[str, Any]]:
    """The latest version and the snapshot of the organization before a change."""
    v = _latest(org)
    return v, _snapshot(org, v)


def _audit(actor: Any, event: OrgEvent, org: Organization, before: dict[str, Any] | None,
           v: OrgVersion | None, reason: str = "") -> None:
    """The audit event of a change; `v` is the organization's latest version after it."""
    decision = event.decision
    audit_log(
        actor=actor,
        action=f"org.{event.type}",
        target=org,
        target_label=v.name if v else org.code,
        org_path=v.path if v else "",
        before=before,
        after=_snapshot(org, v),
        reason=reason or (str(decision) if decision else event.note),
    )


def _create_org(
    spec: NewOrg, *, on: dt.date, event: OrgEvent
) -> tuple[Organization, OrgVersion]:
    """The new organization and its latest version."""
    code = normalize_text(spec.code)
    if not CODE_RE.match(code):
        raise ValidationError(
            _("“%(code)s” is not a valid code (letters, digits, dot, dash, underscore; at most 40).")
            % {"code": spec.code}
        )
    if Organization.objects.filter(code=code).exists():
        raise ValidationError(_("The code “%(code)s” is already used.") % {"code": code})
    if spec.sector not in Sector.values:
        raise ValidationError(_("Unknown sector: %(sector)s") % {"sector": spec.sector})
    kind = _kind(spec.kind)
    _check_kind_dates(kind, on)
    name = _clean_name(spec.name)
    org = Organization.objects.create(
        code=code, sector=spec.sector, admin_unit_id=spec.admin_unit_id, valid_from=on
    )
    v = OrgVersion(  # inserted by _fit_to_parent, once its path is known
        org=org, name=name, search_key=fold(name), kind=kind,
        parent=spec.parent, path=child_path(None, org.pk), depth=1,
        valid_from=on, valid_to=None, event=event,
    )
    pieces, _changed = _fit_to_parent(v, event)
    if spec.powers:
        OrgPower.objects.bulk_create(
            [OrgPower(org=org, power=power, valid_from=on, event=event) for power in spec.powers]
        )
    return org, pieces[-1]


# --- the services ------------------------------------------------------------------------------


@transaction.atomic
def org_establish(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str | OrgKind,
    parent: Organization | None,
    on: dt.date,
    decision: DecisionRef | Decision | None = None,
    sector: str = Sector.OTHER,
    admin_unit_id: int | None = None,
    powers: Sequence[str] = (),
    note: str = "",
    plan_key: str = "",
) -> Organization:
    event = _event(EventType.ESTABLISH, on, decision, actor, note, plan_key)
    org, v = _create_org(
        NewOrg(code=code, name=name, kind=kind, parent=parent, sector=sector,
               admin_unit_id=admin_unit_id, powers=powers),
        on=on, event=event,
    )
    _link(event, org, LinkRole.SUBJECT)
    _audit(actor, event, org, None, v)
    return org


@transaction.atomic
def org_rename(
    *, actor: Any, org: Organization, name: str, on: dt.date, decision: DecisionRef | Decision | None = None,
    note: str = "", plan_key: str = "",
) -> Organization:
    latest, before = _before(org)
    event = _event(EventType.RENAME, on, decision, actor, note, plan_key)
    v = _open_version(org, on=on, event=event, name=name, latest=latest)
    _link(event, org, LinkRole.SUBJECT)
    _audit(actor, event, org, before, v)
    return org


@transaction.atomic
def org_move(
    *, actor: Any, org: Organization, parent: Organization | None, on: dt.date,
    decision: DecisionRef | Decision | None = None, kind: str | OrgKind | None = None, note: str = "",
    plan_key: str = "",
) -> Organization:
    latest, before = _before(org)
    event = _event(EventType.MOVE, on, decision, actor, note, plan_key)
    v = _open_version(org, on=on, event=event, parent=parent, kind=_kind(kind) if kind else None,
                      latest=latest)
    _link(event, org, LinkRole.SUBJECT)
    _audit(actor, event, org, before, v)
    return org


@transaction.atomic
def org_reclassify(
    *, actor: Any, org: Organization, kind: str, on: dt.date, decision: DecisionRef | Decision | None = None,
    note: str = "", plan_key: str = "",
) -> Organization:
    latest, before = _before(org)
    event = _event(EventType.RECLASSIFY, on, decision, actor, note, plan_key)
    v = _open_version(org, on=on, event=event, kind=_kind(kind), latest=latest)
    _link(event, org, LinkRole.SUBJECT)
    _audit(actor, event, org, before, v)
    return org


@transaction.atomic
def org_dissolve(
    *, actor: Any, org: Organization, on: dt.date, decision: DecisionRef | Decision | None = None,
    children_to: Organization | None = None, note: str = "", plan_key: str = "",
) -> Organization:
    """Dissolve `org`; whatever is under it on `on` moves to `children_to` (required if any)."""
    before = _before(org)[1]
    event = _event(EventType.DISSOLVE, on, decision, actor, note, plan_key)
    _link(event, org, LinkRole.SUBJECT)
    children = _children_on(org, on)
    if children and children_to is None:
        raise ValidationError(
            ngettext(
                "“%(name)s” has %(count)d sub-organization on %(date)s: choose where it goes.",
                "“%(name)s” has %(count)d sub-organizations on %(date)s: choose where they go.",
                len(children),
            )
            % {"name": _label(org), "count": len(children), "date": _d(on)}
        )
    for child in children:
        _open_version(child, on=on, event=event, parent=children_to)
    if children_to is not None and children:
        # the dissolved unit is the destination's predecessor, so lineage finds it both ways
        _link(event, org, LinkRole.PREDECESSOR)
        _link(event, children_to, LinkRole.SUCCESSOR)
    closed = _close(org, on=on, event=event)
    _audit(actor, event, org, before, closed)
    return org


@transaction.atomic
def org_merge(
    *, actor: Any, sources: Sequence[Organization], on: dt.date,
    into: Organization | None = None, new: NewOrg | None = None,
    decision: DecisionRef | Decision | None = None, note: str = "", plan_key: str = "",
) -> Organization:
    """Merge `sources` into an existing organization (`into`) or a new one (`new`). Everything
    under the sources moves under the result; the sources are dissolved."""
    if (into is None) == (new is None):
        raise ValidationError(_("A merge needs exactly one destination: an existing or a new organization."))
    sources = list(dict.fromkeys(sources))
    if not sources:
        raise ValidationError(_("A merge needs at least one organization to merge."))
    if into is not None and into in sources:
        raise ValidationError(_("An organization cannot be merged into itself."))
    if into is not None:
        _require_alive(into, on)
    event = _event(EventType.MERGE, on, decision, actor, note, plan_key)
    befores = {s.pk: _before(s)[1] for s in sources}
    target = into if into is not None else _create_org(new, on=on, event=event)[0]  # type: ignore[arg-type]
    _link(event, target, LinkRole.SUCCESSOR)
    for source in sources:
        _link(event, source, LinkRole.PREDECESSOR)
        for child in _children_on(source, on):
            _open_version(child, on=on, event=event, parent=target)
        closed = _close(source, on=on, event=event)
        _audit(actor, event, source, befores[source.pk], closed)
    tv = _latest(target)
    _audit(actor, event, target, None if new else _snapshot(target, tv), tv)
    return target


@transaction.atomic
def org_split(
    *, actor: Any, source: Organization, on: dt.date, parts: Sequence[NewOrg | Organization],
    assign: dict[int, int], decision: DecisionRef | Decision | None = None, dissolve_source: bool = True,
    note: str = "", plan_key: str = "",
) -> list[Organization]:
    """Split `source` into `parts` (new or existing). `assign` maps each child organization's id
    to the index of the part it goes to; with `dissolve_source`, every child needs a part."""
    if not parts:
        raise ValidationError(_("A split needs at least one resulting organization."))
    _require_alive(source, on)  # found by the property test: a source dissolved before, kept
    event = _event(EventType.SPLIT, on, decision, actor, note, plan_key)
    before = _before(source)[1]
    _link(event, source, LinkRole.PREDECESSOR)
    results: list[Organization] = []
    for part in parts:
        org = part if isinstance(part, Organization) else _create_org(part, on=on, event=event)[0]
        if org.pk == source.pk:
            raise ValidationError(_("An organization cannot be split into itself."))
        if isinstance(part, Organization):
            _require_alive(org, on)
        results.append(org)
        _link(event, org, LinkRole.SUCCESSOR)
    for child in _children_on(source, on):
        index = assign.get(child.pk)
        if index is None:
            if dissolve_source:
                raise ValidationError(
                    _("“%(child)s” has no destination in the split.") % {"child": _label(child)}
                )
            continue
        if not 0 <= index < len(results):
            raise ValidationError(_("Unknown destination in the split."))
        _open_version(child, on=on, event=event, parent=results[index])
    sv = _close(source, on=on, event=event) if dissolve_source else _latest(source)
    _audit(actor, event, source, before, sv)
    for org in results:
        _audit(actor, event, org, None, _latest(org))
    return results


@transaction.atomic
def org_power_grant(
    *, actor: Any, org: Organization, power: str, on: dt.date, until: dt.date | None = None,
) -> OrgPower:
    if until is not None and until <= on:
        raise ValidationError(_("The end date must be after the start date."))
    overlapping = OrgPower.objects.filter(org=org, power=power).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )
    if until is not None:
        overlapping = overlapping.filter(valid_from__lt=until)
    if overlapping.exists():
        raise ValidationError(_("The organization already holds this power in that period."))
    grant = OrgPower.objects.create(org=org, power=power, valid_from=on, valid_to=until)
    audit_log(actor=actor, action="org.power_grant", target=org, org_path=_path(org),
              after={"power": power, "valid_from": str(on), "valid_to": str(until) if until else None})
    return grant


def _path(org: Organization) -> str:
    v = _latest(org)
    return v.path if v else ""


def all_orgs(codes: Iterable[str]) -> list[Organization]:
    return list(Organization.objects.filter(code__in=list(codes)))
