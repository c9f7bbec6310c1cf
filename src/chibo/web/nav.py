"""The main navigation: each entry shows only to users who can use its page.

An entry names the action its page needs (a user sees it when one of their current roles grants
that action somewhere) or a test of its own. The tests are evaluated lazily, when the menu is
drawn, from one read of the user's current role assignments (memoised on the user object)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chibo.accounts.selectors import holds_action
from chibo.core.validtime import today


def _plans_restructuring(user: Any) -> bool:
    from chibo.restructuring import selectors as restructuring
    from chibo.restructuring.services import CHANGE

    return holds_action(user, CHANGE) and restructuring.provinces(
        user=user, on=today(), action=CHANGE
    ).exists()


def _handles_letters(user: Any) -> bool:
    from chibo.supervision.selectors import VIEW, letter_bodies

    return holds_action(user, VIEW) or letter_bodies(user=user, action=VIEW).exists()


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str | Promise
    action: str | None = None  # None: every signed-in user
    test: Callable[[Any], bool] | None = None

    def visible_to(self, user: Any) -> bool:
        if self.action is not None and not holds_action(user, self.action):
            return False
        return self.test is None or self.test(user)


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
    items = []
    for entry in ENTRIES:
        if entry.visible_to(user):
            url = reverse(entry.url_name)
            items.append({"url": url, "label": entry.label, "current": path.startswith(url)})
    return items
