"""Events of the register that a procedure above owns for some members.

One door into the register (issue 14): a member admitted through the admission procedure is
recognised as official, or removed during probation, by that procedure's acts (votes, resolutions,
decisions), which write the status event through `services.member_event` themselves. The member
page's event form must not offer a second way. The members app cannot import the admission app
(floors run down), so a capability above registers an *owner* at start-up: a function that, given
a member and an event type, answers why that event belongs to its procedure (and where to record
it), or None. `owner_of` asks each one; the event form refuses what is owned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (member, event type) -> (message, url or "") when a procedure owns the event, else None
Owner = Callable[[Any, str], "tuple[str, str] | None"]

_OWNERS: list[Owner] = []


def register(owner: Owner) -> None:
    if owner not in _OWNERS:
        _OWNERS.append(owner)


def owner_of(member: Any, type: str) -> tuple[str, str] | None:
    """The first registered procedure that owns this event of this member: (message, url)."""
    for owner in _OWNERS:
        found = owner(member, type)
        if found is not None:
            return found
    return None
