"""Every route of the URL conf and a world of objects in two pairs of sibling scopes, shared by
the tests that walk all routes (`tests/test_routes_scoping.py`: scope isolation;
`tests/test_pages_translated.py`: every page in every language).

`ROUTES` is discovered from `get_resolver()`; `PROVIDERS` (with `ROUTE_MODELS`/`model_of`) says
how to find an object of each kind in a given scope, and `build_url` makes the URL for a route.
The `world` fixture (module scope) builds the objects once; `world_data` adds the personas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize
from rest_framework.views import APIView

from chibo.core.access import SCOPED, policy_of
from chibo.core.api import ScopedViewSetMixin
from chibo.orgs.models import Organization, OrgVersion
from tests.factories import NAMES

# --- discovering the routes -----------------------------------------------------------------------


# Route parameters that do not name an object but choose what to show of it (the object is named
# by the other parameters): the value each route is walked with.
FIXED_PARAMS: dict[str, dict[str, str]] = {
    "admission:print_form": {"form": "6-knd"},
}


@dataclass(frozen=True)
class Route:
    regex: str
    name: str
    callback: Callable[..., Any]

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def view_id(self) -> str:
        obj = self.view_class or self.callback
        return f"{obj.__module__}.{obj.__qualname__}"

    @property
    def is_drf(self) -> bool:
        cls = self.view_class
        return isinstance(cls, type) and issubclass(cls, APIView)

    @property
    def is_scoped_api(self) -> bool:
        cls = self.view_class
        return self.is_drf and issubclass(cls, ScopedViewSetMixin)  # type: ignore[arg-type]

    @property
    def policy(self) -> str | None:
        if self.is_scoped_api:
            return SCOPED
        return policy_of(self.callback)

    @property
    def template(self) -> tuple[str, list[str]]:
        return normalize(self.regex)[0]

    @property
    def params(self) -> list[str]:
        return self.template[1]

    @property
    def object_params(self) -> list[str]:
        fixed = FIXED_PARAMS.get(self.name, {})
        return [p for p in self.params if p != "format" and p not in fixed]

    def __str__(self) -> str:
        return f"{self.name or '?'} /{self.template[0]} ({self.view_id})"


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for p in resolver.url_patterns:
        part = p.pattern.regex.pattern
        part = part[1:] if part.startswith("^") else part
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p, prefix + part, ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield Route(regex="^" + prefix + part, name=name, callback=p.callback)


ROUTES: list[Route] = list(_walk(get_resolver()))
OBJECT_ROUTES = [r for r in ROUTES if r.object_params]
LIST_ROUTES = [r for r in ROUTES if not r.object_params]


# --- the data: two pairs of sibling scopes ----------------------------------------------------------


@dataclass
class Case:
    """`outsider` must not reach objects in `owner`'s scope (rooted at `anchor`)."""

    label: str
    outsider: str
    owner: str
    anchor: str  # short name in the tree
    deep: str  # a unit under (or at) the anchor


CASES = [
    Case("sibling cells", outsider="secretary_a", owner="secretary_b", anchor="CB", deep="CB"),
    Case("sibling districts", outsider="district_x", owner="district_y", anchor="DY", deep="CY1"),
]

CANARY = {"CB": "Trần Thị Canary Bê", "CY1": "Lê Văn Canary Dê", "CA": "Phạm Văn Canary A"}


def build_world(org_pks: dict[str, int], user_pks: dict[str, int]) -> dict[str, Any]:
    from chibo.accounts.models import ApiToken, User
    from chibo.core.audit import read_log
    from chibo.members import services as members
    from chibo.members.services import DecisionInfo, PersonData
    from tests.factories import SHORT

    orgs = {short: Organization.objects.get(pk=org_pks[code]) for short, code in SHORT.items()}
    users = {name: User.objects.get(pk=pk) for name, pk in user_pks.items()}
    day = dt.date(2021, 3, 1)
    out: dict[str, Any] = {"members": {}, "transfers": {}, "tokens": {}, "reads": {}}
    for cell, name in CANARY.items():
        m = members.member_admit(
            actor=None,
            person=PersonData(full_name=name, gender="female", birth_date=dt.date(1990, 5, 5)),
            cell=orgs[cell],
            decision=DecisionInfo(number=f"{cell}-1", date=day, issuer="Đảng ủy"),
            ceremony_date=day,
        )
        out["members"][cell] = m.pk
        if cell != "CA":
            t = members.transfer_request(
                actor=None, member=m, kind="official", to_org=None, outside_place="Hà Nội",
                trigger_date=dt.date(2022, 1, 3), requested_on=dt.date(2022, 1, 3),
            )
            out["transfers"][cell] = t.pk
    out["meetings"] = _build_meetings(orgs, out["members"])
    for name, user in users.items():
        key = ApiToken.generate_key()
        from django.utils import timezone

        token = ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), prefix=key[:8],
                                        expires_at=timezone.now() + dt.timedelta(days=1))
        out["tokens"][name] = token.pk
    out.update(_build_cadres(orgs, out["members"]))
    out.update(_build_evaluation(orgs))
    out["admission"] = _build_admission(orgs)
    out.update(_build_supervision(orgs, out["members"]))
    for case in CASES:
        anchor_path = orgs[case.anchor].version_on(day).path
        out["reads"][case.anchor] = read_log(actor=users["admin"], target=users[case.owner],
                                             org_path=anchor_path).pk
    return out


def _build_meetings(orgs: dict[str, Organization], member_pks: dict[str, int]) -> dict[str, dict[str, int]]:
    """A held meeting in each canary cell, with its attendance, a vote, a resolution and a task."""
    from django.utils import timezone

    from chibo.meetings import services as meetings
    from chibo.members.models import Member

    out: dict[str, dict[str, int]] = {}
    when = timezone.make_aware(dt.datetime(2021, 3, 10, 8, 0))
    for cell, member_pk in member_pks.items():
        member = Member.objects.get(pk=member_pk)
        m = meetings.meeting_schedule(actor=None, org=orgs[cell], kind="regular_monthly_meeting", scheduled_at=when)
        meetings.meeting_record(actor=None, meeting=m, held_at=when, duration_minutes=120, chair=member,
                                clerk=member, self_score=90,
                                entries=[meetings.AttendanceEntry(member_pk, "present")])
        vote = meetings.vote_record(actor=None, meeting=m, question="Canary", official_present=0, votes_for=0,
                                    votes_against=0, abstentions=0)
        resolution = meetings.resolution_record(actor=None, meeting=m, number=f"{cell}-NQ", title="Canary")
        task = meetings.task_create(actor=None, resolution=resolution, title="Canary", owner=member,
                                    due_date=dt.date(2021, 4, 1))
        out[cell] = {"meeting": m.pk, "attendance": m.attendance.get().pk, "vote": vote.pk,
                     "resolution": resolution.pk, "task": task.pk}
    return out


def _meeting_part(part: str) -> Callable[[Case, Any, Any], list[str]]:
    return lambda case, tree, world: [str(world["meetings"][case.deep][part])]
def _build_cadres(orgs: dict[str, Organization], member_pks: dict[str, int]) -> dict[str, Any]:
    """Cadre records of every kind a route takes, at each case's deep unit (its canary member)."""
    from chibo.cadres import models as cadres
    from chibo.members.models import Member

    day = dt.date(2021, 3, 1)
    out: dict[str, Any] = {"posts": {}, "courses": {}, "contests": {}, "watches": {}, "secondments": {}}
    for case in CASES:
        deep = orgs[case.deep]
        member = Member.objects.get(pk=member_pks[case.deep])
        parent = deep.version_on(day).parent
        out["posts"][case.deep] = cadres.Post.objects.create(
            org=deep, member=member, position="secretary", valid_from=day).pk
        out["courses"][case.deep] = cadres.TrainingCourse.objects.create(
            organizer=deep, topic="Canary course", kind="skills", starts_on=day, ends_on=day).pk
        out["contests"][case.deep] = cadres.Contest.objects.create(organizer=deep, title="Canary contest",
                                                                   year=2023).pk
        out["watches"][case.deep] = cadres.WatchAssignment.objects.create(
            watcher=member, committee=parent, unit=deep, valid_from=day).pk
        out["secondments"][case.deep] = cadres.Secondment.objects.create(
            member=member, from_org=deep, to_org=deep, post_held="Canary", decision_no="1", decision_date=day,
            valid_from=day).pk
    return out


def _build_evaluation(orgs: dict[str, Organization]) -> dict[str, Any]:
    """A review round, a unit's assessment, a criteria set and a programme at each deep unit."""
    from chibo.evaluation import models as ev
    from chibo.evaluation.rulesets import snapshot

    day = dt.date(2021, 3, 1)
    out: dict[str, Any] = {"eval_rounds": {}, "eval_assessments": {}, "eval_criteria": {}, "eval_programmes": {}}
    for case in CASES:
        deep = orgs[case.deep]
        path = deep.version_on(day).path
        rnd = ev.Round.objects.create(org=deep, year=2021, opened_on=day, path=path, regulation="132-QĐ/TW",
                                      rules=snapshot(day), self_deadline=day, cell_deadline=day, decision_deadline=day)
        out["eval_rounds"][case.deep] = rnd.pk
        out["eval_assessments"][case.deep] = ev.Assessment.objects.create(
            round=rnd, subject="organization", org=deep, path=path, depth=len(path) // 8, is_cell=True).pk
        out["eval_criteria"][case.deep] = ev.CriteriaSet.objects.create(
            owner=deep, audience="member", version=1, name="Canary criteria", valid_from=day,
            groups=[{"code": "all", "name": "All", "max_points": 100}]).pk
        out["eval_programmes"][case.deep] = ev.Programme.objects.create(
            owner=deep, name="Canary programme", contents=[], start_year=2021, end_year=2025).pk
    return out


def _build_admission(orgs: dict[str, Organization]) -> dict[str, dict[str, int]]:
    """An applicant at each case's deep unit, with its act, a scan of its dossier and a target."""
    from django.core.files.base import ContentFile

    from chibo.admission import models as adm
    from chibo.admission import services as admission

    out: dict[str, dict[str, int]] = {}
    for case in CASES:
        deep = orgs[case.deep]
        a = admission.applicant_create(
            actor=None, person=admission.ApplicantData(full_name=f"Võ Thị Canary {case.deep.rstrip('1')}", gender="female",
                                                       birth_date=dt.date(1999, 1, 1)),
            cell=deep, listed_on=dt.date(2021, 3, 2), resolution_no="NQ")
        stored = admission.storage().save(f"admission/route-test-{case.deep}.pdf", ContentFile(b"%PDF-1.4 Canary"))
        f = adm.DossierFile.objects.create(applicant=a, step="listed", name="canary.pdf", stored_name=stored,
                                           content_type="application/pdf", size=15, sha256="0" * 64)
        t = admission.target_set(actor=None, org=deep, year=2023, kind="number", value=2)
        out[case.deep] = {"applicant": a.pk, "act": a.acts.get().pk, "file": f.pk, "target": t.pk}
    return out


def _admission(part: str) -> Callable[[Case, Any, Any], list[str]]:
    return lambda case, tree, world: [str(world["admission"][case.deep][part])]


def _build_supervision(orgs: dict[str, Organization], member_pks: dict[str, int]) -> dict[str, Any]:
    """A letter handled by each case's deep unit (a canary sender), a programme hosted there with a
    proposal and a key task."""
    from chibo.members.models import Member
    from chibo.supervision import services as sup

    day = dt.date(2021, 3, 1)
    out: dict[str, Any] = {"letters": {}, "programmes": {}, "proposals": {}, "key_tasks": {}, "public_keys": {}}
    for case in CASES:
        deep = orgs[case.deep]
        letter = sup.letter_receive(
            actor=None, kind="denunciation", channel="post", received_by=deep, received_on=day, summary="Canary",
            sender=sup.SenderData("Canary Sender", "Canary Address", "Canary Phone"),
            subject_member=Member.objects.get(pk=member_pks[case.deep]), handler=deep)
        out["letters"][case.deep] = letter.pk
        agency = sup.agency_create(actor=None, org=deep, name="Canary agency", kind="department")
        programme = sup.programme_create(actor=None, org=deep, title="Canary programme", hosts="x", audience="y",
                                         starts_on=day, ends_on=day)
        proposal = sup.proposal_raise(actor=None, programme=programme, topic="Canary", agency=agency)
        conclusion = sup.conclusion_issue(actor=None, programme=programme, number="KL", issued_on=day,
                                          tasks=[sup.TaskData("Canary task", agency)])
        out["programmes"][case.deep] = programme.pk
        out["proposals"][case.deep] = proposal.pk
        out["key_tasks"][case.deep] = conclusion.tasks.get().pk
        out["public_keys"][case.deep] = str(programme.public_key)
    return out


def _cadre(kind: str) -> Callable[[Case, Any, Any], list[str]]:
    return lambda case, tree, world: [str(world[kind][case.deep])]


def org_path(org: Organization) -> str:
    return OrgVersion.objects.filter(org=org).order_by("-valid_from").values_list("path", flat=True)[0]


def _org_codes(case: Case, tree, world) -> list[str]:
    return list(dict.fromkeys([tree[case.anchor].code, tree[case.deep].code]))


def _audit_event(case: Case, tree, world) -> list[str]:
    from chibo.core.models import AuditEvent

    pk = AuditEvent.objects.filter(org_path=org_path(tree[case.anchor])).values_list("pk", flat=True)[0]
    return [str(pk)]


def _import_job(case: Case, tree, world) -> list[str]:
    from chibo.accounts.models import User
    from chibo.members import importing

    owner = User.objects.get(pk=world["users"][case.owner])
    job = importing.job_create(user=owner, chunks=iter([b"full_name\nCanary\n"]), filename="a.csv")
    return [job.id]


def _job(case: Case, tree, world) -> list[str]:
    """A finished background job of the owner, over the anchor (its result on the private storage)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from chibo.accounts.models import User
    from chibo.jobs.models import Job, JobStatus
    from chibo.jobs.services import private_storage

    owner = User.objects.get(pk=world["users"][case.owner])
    name = private_storage().save("jobs/route-test.csv", ContentFile(b"Canary"))
    job = Job.objects.create(owner=owner, kind="members.export", org_path=org_path(tree[case.anchor]),
                             action="member.view", status=JobStatus.SUCCEEDED, result_name=name,
                             result_filename="x.csv", result_content_type="text/csv", result_size=6,
                             finished_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(days=1))
    return [str(job.pk)]


# model label -> (how to find objects in the owner's scope, the action that lets one see them;
# None: the owner's own object, which nobody else, not even the administrator, gets)
PROVIDERS: dict[str, tuple[Callable[[Case, Any, Any], list[str]], str | None]] = {
    "orgs.organization": (_org_codes, "org.view"),
    "orgs.orgversion": (_org_codes, "org.view"),
    "accounts.user": (lambda case, tree, world: [str(world["users"][case.owner])], "user.view"),
    "accounts.apitoken": (lambda case, tree, world: [str(world["tokens"][case.owner])], None),
    "core.auditevent": (_audit_event, "audit.view"),
    "core.readlogentry": (lambda case, tree, world: [str(world["reads"][case.anchor])], "audit.reads"),
    "members.member": (lambda case, tree, world: [str(world["members"][case.deep])], "member.view"),
    "members.transfer": (lambda case, tree, world: [str(world["transfers"][case.deep])],
                         "member.view"),
    "members.importjob": (_import_job, None),  # files under VAR_DIR, not a model
    "meetings.meeting": (_meeting_part("meeting"), "org.view"),
    "meetings.attendance": (_meeting_part("attendance"), "org.view"),
    "meetings.vote": (_meeting_part("vote"), "org.view"),
    "meetings.resolution": (_meeting_part("resolution"), "org.view"),
    "meetings.task": (_meeting_part("task"), "org.view"),
    "cadres.post": (_cadre("posts"), "member.view"),
    "cadres.trainingcourse": (_cadre("courses"), "member.view"),
    "cadres.contest": (_cadre("contests"), "member.view"),
    "cadres.watchassignment": (_cadre("watches"), "member.view"),
    "cadres.secondment": (_cadre("secondments"), "member.view"),
    "jobs.job": (_job, None),  # a background job: its owner's alone
    "evaluation.round": (_cadre("eval_rounds"), "org.view"),
    "evaluation.assessment": (_cadre("eval_assessments"), "org.view"),
    "evaluation.criteriaset": (_cadre("eval_criteria"), "org.view"),
    "evaluation.programme": (_cadre("eval_programmes"), "org.view"),
    "admission.applicant": (_admission("applicant"), "member.view"),
    "admission.admissionact": (_admission("act"), "member.view"),
    "admission.dossierfile": (_admission("file"), "member.view"),
    "admission.admissiontarget": (_admission("target"), "org.view"),
    "supervision.letter": (_cadre("letters"), "letter.view"),
    "supervision.lettersender": (_cadre("letters"), "letter.view_sender"),  # by the letter's id
    "supervision.programme": (_cadre("programmes"), "dialogue.view"),
    "supervision.proposal": (_cadre("proposals"), "dialogue.view"),
    "supervision.keytask": (_cadre("key_tasks"), "dialogue.view"),
    "supervision.publicprogramme": (_cadre("public_keys"), None),  # public pages: by the public key
}

# Function views taking a `pk`: which model it names. (Viewsets say it themselves; a `code` is an
# organization's.)
ROUTE_MODELS: dict[str, str] = {
    "accounts:user_detail": "accounts.user",
    "accounts:user_role_assign": "accounts.user",
    "accounts:user_role_end": "accounts.user",
    "accounts:user_password_reset": "accounts.user",
    "accounts:user_deactivate": "accounts.user",
    "accounts:token_revoke": "accounts.apitoken",
    "members:detail": "members.member",
    "members:event_create": "members.member",
    "members_io:job": "members.importjob",
    "members_io:job_commit": "members.importjob",
    **{f"meetings:{name}": "meetings.meeting" for name in (
        "detail", "agenda", "notice", "cancel", "hold", "vote", "minutes", "amend", "print", "resolution",
        "task")},
    "meetings:task_done": "meetings.task",
    "cadres:cadre": "members.member",
    "cadres:post": "cadres.post",
    "cadres:post_end": "cadres.post",
    "cadres:course": "cadres.trainingcourse",
    "cadres:course_enrol": "cadres.trainingcourse",
    "cadres:course_result": "cadres.trainingcourse",
    "cadres:contest": "cadres.contest",
    **{f"cadres:{name}": "cadres.contest" for name in ("contest_enter", "contest_score", "contest_award")},
    **{f"cadres:{name}": "members.member" for name in ("role_add", "qualification_add")},
    "cadres:watch_end": "cadres.watchassignment",
    "jobs:detail": "jobs.job",
    **{f"evaluation:{name}": "evaluation.round" for name in ("board", "export")},
    **{f"evaluation:{name}": "evaluation.assessment" for name in (
        "sheet", "unit_decide", "print_unit", "assessment", "row", "print_assessment")},
    "evaluation:programme": "evaluation.programme",
    "evaluation:criteria": "evaluation.criteriaset",
    **{f"admission:{name}": "admission.applicant" for name in (
        "detail", "act", "extend", "remove", "upload", "print", "print_form")},
    "admission:file": "admission.dossierfile",
    "supervision:letter": "supervision.letter",
    "supervision:sender": "supervision.lettersender",
    "supervision:programme": "supervision.programme",
    "supervision:proposal": "supervision.proposal",
    "supervision:key_task_done": "supervision.keytask",
    "supervision_public:programme": "supervision.publicprogramme",
    "jobs:download": "jobs.job",
}


def model_of(route: Route) -> str | None:
    cls = route.view_class
    queryset = getattr(cls, "queryset", None) if route.is_drf else None
    if queryset is not None:
        return queryset.model._meta.label_lower
    if route.name in ROUTE_MODELS:
        return ROUTE_MODELS[route.name]
    if route.object_params == ["code"]:
        return "orgs.organization"
    return None


def build_url(route: Route, values: dict[str, str]) -> str:
    """The URL for `route` with `values`; `format` is filled in to whatever the route accepts,
    and the route's `FIXED_PARAMS` as they are."""
    template, params = route.template
    for fmt in ("json", ".json", ".json/"):
        kwargs = {**values, **FIXED_PARAMS.get(route.name, {}),
                  **({"format": fmt} if "format" in params else {})}
        url = "/" + template % kwargs
        try:
            match = resolve(url)
        except Resolver404:
            continue
        if match.func is route.callback:
            return url
        if "format" not in params:
            break
    raise AssertionError(f"{route}: cannot build a URL that resolves back to it from {values}")


def placeholder_values(route: Route) -> dict[str, str]:
    """Values for routes whose objects the test does not know (not scoped by policy)."""
    template, _params = route.template
    for guess in ("1", "x"):
        values = {p: guess for p in route.object_params}
        try:
            return {**values, "_url": build_url(route, values)}
        except AssertionError:
            continue
    raise AssertionError(f"{route}: no placeholder value resolves back to it")


def get_or_post(client: Client, url: str):
    r = client.get(url)
    if r.status_code == 405:
        r = client.post(url)
    return r


def forbidden_strings(outsider, tree, world, *, names: bool) -> list[str]:
    """Codes (and names, members' canary names) of units the outsider may not see, leaving
    out the outsider's own ancestors (shown as context, e.g. as a parent link)."""
    visible = set(Organization.objects.restrict(outsider, "org.view").values_list("pk", flat=True))
    visible_paths = list(OrgVersion.objects.filter(org_id__in=visible).values_list("path", flat=True))
    out = []
    for code, org in tree.items():
        if org.pk in visible:
            continue
        own = org_path(org)
        if any(p.startswith(own) for p in visible_paths):
            continue  # an ancestor
        out.append(code)
        if names:
            out.append(NAMES[code])
            short = next((s for s in CANARY if tree[s].pk == org.pk), None)
            if short:
                out.append(CANARY[short])
    return out


def route_ids(routes: list[Route]) -> list[str]:
    return [f"{r.name or r.view_id}:{'/' + r.template[0]}" for r in routes]
