"""The main navigation: each entry shows only to users who can use its page.

An entry names the action its page needs (a user sees it when one of their current roles grants
that action somewhere) or a test of its own. The tests are evaluated lazily, when the menu is
drawn, from one read of the user's current role assignments (memoised on the user object)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chibo.accounts.selectors import holds_action
from chibo.core.validtime import today

# A test answers True or False, or a queryset: the entry shows when it has a row (the menu asks
# every such queryset in one query, `_exist_each`).
Answer = bool | QuerySet[Any]


def _plans_restructuring(user: Any) -> Answer:
    from chibo.restructuring import selectors as restructuring
    from chibo.restructuring.services import CHANGE

    return holds_action(user, CHANGE) and restructuring.provinces(user=user, on=today(), action=CHANGE)


def _handles_letters(user: Any) -> Answer:
    from chibo.supervision.selectors import VIEW, letter_bodies

    return holds_action(user, VIEW) or letter_bodies(user=user, action=VIEW)


def _exist_each(querysets: list[QuerySet[Any]]) -> list[bool]:
    """Whether each queryset has a row, in one query (`SELECT EXISTS(…), EXISTS(…)`)."""
    if len(querysets) <= 1:
        return [qs.exists() for qs in querysets]
    parts: list[str] = []
    params: list[Any] = []
    for qs in querysets:
        sql, p = qs.query.exists().get_compiler(qs.db).as_sql()
        parts.append(f"EXISTS({sql})")
        params.extend(p)
    with connections[querysets[0].db].cursor() as cur:
        cur.execute("SELECT " + ", ".join(parts), params)
        return [bool(v) for v in cur.fetchone()]


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str | Promise
    action: str | None = None  # None: every signed-in user
    test: Callable[[Any], Answer] | None = None

    def visible_to(self, user: Any) -> Answer:
        if self.action is not None and not holds_action(user, self.action):
            return False
        return True if self.test is None else self.test(user)


ENTRIES: list[Entry] = [
    Entry("orgs:tree", _("Organization tree"), "org.view"),
    Entry("members:list", _("Party members"), "member.view"),
    Entry("meetings:index", _("Meetings"), "org.view"),
    Entry("cadres:summary", _("Cadres"), "member.view"),
    Entry("evaluation:index", _("Evaluation"), "org.view"),
    Entry("reports:indicators", _("Reports"), "report.view"),
    Entry("admission:index", _("Admission"), "member.view"),
    Entry("supervision:letters", _("Letters"), test=_handles_letters),
    Entry("supervision:programmes", _("Dialogue programmes"), "dialogue.view"),
    Entry("accounts:user_list", _("User accounts"), "user.view"),
    Entry("rules:list", _("Rulebook")),
    Entry("restructuring:check", _("Restructuring"), test=_plans_restructuring),
    Entry("accounts:read_log", _("Read log"), "audit.reads"),
    Entry("jobs:list", _("My background jobs")),
    Entry("api-docs", _("API")),
]


def entries_for(user: Any, path: str) -> list[dict[str, Any]]:
    """The menu for `user`, with the entry of the current page marked."""
    if not getattr(user, "is_authenticated", False):
        return []
    answers = [(entry, entry.visible_to(user)) for entry in ENTRIES]
    asked = [a for _e, a in answers if isinstance(a, QuerySet)]
    found = iter(_exist_each(asked))
    items = []
    for entry, answer in answers:
        if next(found) if isinstance(answer, QuerySet) else answer:
            url = reverse(entry.url_name)
            items.append({"url": url, "label": entry.label, "current": path.startswith(url)})
    return items
