"""Supervision and dialogue (domain.md §9; seeds 000 and 004).

**Letters** (đơn thư): denunciations, complaints about discipline, feedback and petitions, and
mixed letters, received by hand, by post or through the public web form. Each is handled by the
body competent for it (`handler`: the cell for members active in it, the grassroots committee's
inspection committee for organizations and members it manages, and up), from the day that body
received it (`competent_received_on`), against a deadline from the rulebook in force that day.
The state machine (`LetterState`) only moves forward; going back is a recorded reopening
(`LetterTransition.reopening`).

**The sender is secret** (security.md G20): name, address, contact and scans live apart from the
letter (`LetterSender`, `LetterScan`), encrypted (`secrecy.py`), and are read only through
`selectors.letter_sender`, which checks `letter.view_sender` and writes the read log.
`str()` of a letter, the audit trail and every serializer know only the reference.

**Dialogue programmes** (seed 004): a programme, the proposals raised, each assigned to an
agency with a deadline, the answers, the reminders and escalations, the conclusions and their
key tasks. A programme may be published (`public`) on a page without personal data.

Scoping: every table follows an organization (the letter's handling body, the programme's host,
the agency's owner): a row is in a user's scope when that organization ever sat in one of the
user's subtrees, as for meetings.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import Scope, ScopedQuerySet


def _orgs_in_scope(scope: Scope, field: str) -> Q:
    from chibo.orgs.models import OrgVersion

    orgs = OrgVersion.objects.filter(any_subtree_q(list(scope.paths))).values("org_id")
    return Q(**{f"{field}__in": orgs})


_M = TypeVar("_M", bound=models.Model)


class _ByOrg(ScopedQuerySet[_M]):
    org_field = "org"

    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, self.org_field)


# --- letters ---------------------------------------------------------------------------------------


class LetterKind(models.TextChoices):
    DENUNCIATION = "denunciation", _("Denunciation")
    COMPLAINT = "complaint", _("Complaint about discipline")
    FEEDBACK = "feedback", _("Feedback or petition")
    MIXED = "mixed", _("Complaint and denunciation together")


class Channel(models.TextChoices):
    HAND = "hand", _("By hand")
    POST = "post", _("By post")
    WEB = "web", _("Web form")


class LetterState(models.TextChoices):
    RECEIVED = "received", _("Received")
    DEFERRED = "deferred", _("Deferred (congress period)")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    VERIFICATION = "verification", _("Being verified")
    CONCLUDED = "concluded", _("Concluded")
    NOTIFIED = "notified", _("Sender notified")
    NOT_HANDLED = "not_handled", _("Not handled")


# The order of the states: a transition to a lower rank is a reopening.
STATE_RANK: dict[str, int] = {
    LetterState.RECEIVED: 0, LetterState.DEFERRED: 1, LetterState.ACCEPTED: 2, LetterState.ASSIGNED: 3,
    LetterState.VERIFICATION: 4, LetterState.CONCLUDED: 5, LetterState.NOTIFIED: 6, LetterState.NOT_HANDLED: 6,
}
OPEN_STATES = (LetterState.ACCEPTED, LetterState.ASSIGNED, LetterState.VERIFICATION)
HANDLED_STATES = (LetterState.CONCLUDED, LetterState.NOTIFIED)


class NotHandledReason(models.TextChoices):
    ANONYMOUS = "anonymous", _("Anonymous letter")
    FALSE_NAME = "false_name", _("Letter under a false name")
    NO_ADDRESS = "no_address", _("Letter without an address")
    REPEAT = "repeat", _("Repeat of a concluded letter without new evidence")
    VAGUE = "vague", _("Content too vague to verify")
    WITHDRAWN = "withdrawn", _("Withdrawn by the sender")


CELL_LETTER_ACTIONS = {"letter.view": "org.view", "letter.change": "org.change"}


def secretary_cells(user: object, action: str) -> models.QuerySet[Any] | None:
    """The cells whose letters the user handles as their secretary: the cells the user holds
    `org.view`/`org.change` at *exactly* (assigned there, not above), for `letter.view/change`.
    A cell handles the denunciations against its own members (domain.md §9); the Organization
    Committee's staff, assigned above the cells, do not see them."""
    from chibo.core.scoping import resolve_scope
    from chibo.orgs.models import OrgVersion

    org_action = CELL_LETTER_ACTIONS.get(action)
    if org_action is None:
        return None
    scope = resolve_scope(user, org_action)
    if scope.everything or not scope.paths:
        return None
    return OrgVersion.objects.filter(path__in=scope.paths, kind__is_cell=True).values("org_id")


class LetterQuerySet(_ByOrg["Letter"]):
    org_field = "handler"

    def restrict(self, user: object, action: str = "view") -> ScopedQuerySet[Letter]:
        """The handling bodies' letters for `letter.*` (inspection staff and above), plus, for a
        cell's secretary, the letters the cell handles (see `secretary_cells`)."""
        base = super().restrict(user, action)
        cells = secretary_cells(user, action)
        if cells is None:
            return base
        return base | self.filter(handler_id__in=cells)  # type: ignore[return-value]


class Letter(models.Model):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=LetterKind.choices)
    channel = models.CharField(_("received"), max_length=8, choices=Channel.choices)
    received_by = models.ForeignKey("orgs.Organization", verbose_name=_("received by"), on_delete=models.PROTECT,
                                    related_name="+")
    received_on = models.DateField(_("received on"))
    handler = models.ForeignKey("orgs.Organization", verbose_name=_("handled by"), on_delete=models.PROTECT,
                                related_name="letters")
    competent_received_on = models.DateField(_("received by the competent body on"))
    subject_member = models.ForeignKey("members.Member", verbose_name=_("member concerned"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="letters")
    subject_org = models.ForeignKey("orgs.Organization", verbose_name=_("organization concerned"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("content"))
    congress_related = models.BooleanField(_("about the congress"), default=False)
    repeat_of = models.ForeignKey("self", verbose_name=_("repeat of"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=LetterState.choices, default=LetterState.RECEIVED)
    not_handled_reason = models.CharField(_("reason not handled"), max_length=16, choices=NotHandledReason.choices,
                                          blank=True)
    not_handled_note = models.CharField(_("note"), max_length=500, blank=True)
    guidance = models.TextField(_("guidance to the sender"), blank=True)
    # the deadline, with the rule it came from (kept: a case keeps the rule of its receipt date)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_rule = models.JSONField(default=dict, blank=True)
    extended_until = models.DateField(_("extended until"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=500, blank=True)
    extension_notice_on = models.DateField(_("sender told of the extension on"), null=True, blank=True)
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    assigned_note = models.CharField(_("assignment"), max_length=300, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    discipline_event = models.ForeignKey("members.MemberEvent", verbose_name=_("discipline event"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    notified_on = models.DateField(_("sender notified on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-competent_received_on", "-id"]
        indexes = [
            models.Index(fields=["handler", "state", "deadline"], name="letter_handler_state"),
            models.Index(fields=["state", "deadline"], name="letter_state_deadline"),
            models.Index(fields=["received_on"], name="letter_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(competent_received_on__gte=models.F("received_on")), name="letter_competent_after_receipt"),
            models.CheckConstraint(
                condition=~Q(state="not_handled") | ~Q(not_handled_reason=""), name="letter_not_handled_has_reason"),
        ]

    def __str__(self) -> str:  # the reference only: never the sender, never the content
        return self.reference

    @property
    def effective_deadline(self):  # type: ignore[no-untyped-def]
        return self.extended_until or self.deadline

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class LetterSenderQuerySet(_ByOrg["LetterSender"]):
    org_field = "letter__handler"


class LetterSender(models.Model):
    """Who sent the letter, encrypted (see `secrecy.py`). The flags say only whether a name and an
    address were given (the classification needs them), never what they are."""

    letter = models.OneToOneField(Letter, on_delete=models.CASCADE, related_name="sender")
    name_enc = models.BinaryField(default=b"")
    address_enc = models.BinaryField(default=b"")
    contact_enc = models.BinaryField(default=b"")
    has_name = models.BooleanField(default=False)
    has_address = models.BooleanField(default=False)

    objects = LetterSenderQuerySet.as_manager()

    class Meta:
        verbose_name = _("sender")
        verbose_name_plural = _("senders")

    def __str__(self) -> str:
        return f"sender of {self.letter_id}"


class LetterScanQuerySet(_ByOrg["LetterScan"]):
    org_field = "letter__handler"


class LetterScan(models.Model):
    """A scan of the letter (its handwriting reveals the sender): encrypted like the sender."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="scans")
    content_enc = models.BinaryField()
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = LetterScanQuerySet.as_manager()

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["letter_id", "id"]

    def __str__(self) -> str:
        return f"scan {self.pk}"


class LetterTransitionQuerySet(_ByOrg["LetterTransition"]):
    org_field = "letter__handler"


class LetterTransition(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=16, choices=LetterState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=LetterState.choices)
    on = models.DateField(_("on"))
    reopening = models.BooleanField(_("reopening"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = LetterTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["letter_id", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state}"


class CongressRoundQuerySet(_ByOrg["CongressRound"]):
    pass


class CongressRound(models.Model):
    """A round of congresses under an organization: congress-related denunciations received in
    the window before the congress opens are not handled then (HD 07-HD/UBKTTW 2019)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                            related_name="+")
    name = models.CharField(_("round"), max_length=200)
    opens_on = models.DateField(_("congress opens on"))
    grassroots_window = models.PositiveSmallIntegerField(_("window at grassroots level (working days)"), default=25)
    higher_window = models.PositiveSmallIntegerField(_("window at higher levels (working days)"), default=30)

    objects = CongressRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("congress round")
        verbose_name_plural = _("congress rounds")
        ordering = ["-opens_on", "id"]

    def __str__(self) -> str:
        return self.name


# --- dialogue programmes --------------------------------------------------------------------------


class AgencyKind(models.TextChoices):
    ORGANIZATION = "organization_committee", _("Organization Committee")
    PROPAGANDA = "propaganda_committee", _("Propaganda Committee")
    MASS_MOBILIZATION = "mass_mobilization_committee", _("Mass Mobilization Committee")
    PEOPLES_COMMITTEE = "peoples_committee_party_affairs", _("Party affairs committee of the People's Committee")
    DEPARTMENT = "department", _("Department or sector")
    INSPECTION = "inspection_committee", _("Inspection Committee")
    OTHER = "other", _("Other")


class AgencyQuerySet(_ByOrg["Agency"]):
    pass


class Agency(models.Model):
    """A body that answers proposals: an advisory committee of the party committee (`org`), the
    People's Committee's party affairs committee, a department."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("party committee"), on_delete=models.PROTECT,
                            related_name="+")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=AgencyKind.choices)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["org_id", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="agency_unique_name")]

    def __str__(self) -> str:
        return self.name


class ProgrammeQuerySet(_ByOrg["Programme"]):
    pass


class Programme(models.Model):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("host"), on_delete=models.PROTECT,
                            related_name="+")
    title = models.CharField(_("title"), max_length=300)
    theme = models.CharField(_("theme"), max_length=300, blank=True)
    hosts = models.CharField(_("who meets"), max_length=300)
    audience = models.CharField(_("whom"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    monitor = models.ForeignKey(Agency, verbose_name=_("monitored by"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    public = models.BooleanField(_("published for citizens"), default=False)
    public_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dialogue programme")
        verbose_name_plural = _("dialogue programmes")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["org", "starts_on"], name="programme_org_time")]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                              name="programme_period")]

    def __str__(self) -> str:
        return self.title


class ProposalState(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    ANSWERED = "answered", _("Answered")


class ProposalQuerySet(_ByOrg["Proposal"]):
    org_field = "programme__org"


class Proposal(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="proposals")
    number = models.PositiveIntegerField(_("number"))
    topic = models.CharField(_("topic"), max_length=300)
    content = models.TextField(_("content"), blank=True)
    field = models.CharField(_("field"), max_length=100, blank=True)
    raised_by = models.CharField(_("raised by"), max_length=200, blank=True)
    commune = models.ForeignKey("orgs.Organization", verbose_name=_("from"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name=_("assigned to"), on_delete=models.PROTECT,
                               related_name="proposals")
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("answer due"))
    deadline_rule = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.OPEN)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["programme_id", "number"]
        indexes = [models.Index(fields=["agency", "state", "due_on"], name="proposal_agency_state")]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="proposal_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.topic}"

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_on is None:
            return None
        return self.answered_on <= self.due_on


class ReminderQuerySet(_ByOrg["Reminder"]):
    org_field = "proposal__programme__org"


class Reminder(models.Model):
    """Monitoring and urging: a reminder sent to the agency, or an escalation when overdue."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reminders")
    on = models.DateField(_("on"))
    escalation = models.BooleanField(_("escalation"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["proposal_id", "on", "id"]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.on}"


class ConclusionQuerySet(_ByOrg["Conclusion"]):
    org_field = "programme__org"


class Conclusion(models.Model):
    """The conclusion the host issues after the programme (e.g. the Standing Committee's)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="conclusions")
    number = models.CharField(_("number"), max_length=64)
    issued_on = models.DateField(_("issued on"))
    text = models.TextField(_("text"), blank=True)

    objects = ConclusionQuerySet.as_manager()

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["programme_id", "issued_on", "id"]

    def __str__(self) -> str:
        return self.number


class KeyTaskQuerySet(_ByOrg["KeyTask"]):
    org_field = "conclusion__programme__org"


class KeyTask(models.Model):
    conclusion = models.ForeignKey(Conclusion, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("task"), max_length=500)
    agency = models.ForeignKey(Agency, verbose_name=_("in charge"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="key_tasks")
    due_on = models.DateField(_("due date"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    objects = KeyTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        ordering = ["conclusion_id", "position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"
