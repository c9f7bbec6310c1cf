"""iCalendar feeds of meetings, per organization and per member, with no outside service.

A calendar program cannot sign in, so a feed's URL carries a secret token: the user's id and
what the feed shows, signed with the site's key and salted with the user's password hash (a new
password revokes every feed URL of that user). The feed reads with that user's scope, as the
pages do: a token for a cell the user may no longer see shows nothing of it.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from icalendar import Calendar, Event

from .models import Meeting, MeetingStatus

SALT = "chibo.meetings.ical"


def _signer(user: Any) -> signing.Signer:
    return signing.Signer(salt=f"{SALT}:{user.password}")


def feed_token(*, user: Any, org_code: str | None) -> str:
    """`org_code` None: the member feed (the meetings of the user's own cells)."""
    value = f"{user.pk}:{org_code or ''}"
    body = base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")
    return f"{body}.{_signer(user).signature(value)}"


def feed_url(*, user: Any, org_code: str | None) -> str:
    return reverse("meetings:ical", kwargs={"token": feed_token(user=user, org_code=org_code)})


def read_token(token: str) -> tuple[Any, str | None] | None:
    """The user and the organization code a token names, or None (bad, revoked, inactive)."""
    body, _dot, sig = token.partition(".")
    try:
        value = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        user_id, code = value.split(":", 1)
        pk = int(user_id)
    except (ValueError, UnicodeDecodeError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not constant_time_compare(_signer(user).signature(value), sig):
        return None
    return user, code or None


def calendar(*, name: str, meetings: Iterable[Meeting], host: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Chibo//meetings//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for m in meetings:
        event = Event()
        event.add("uid", f"meeting-{m.pk}@{host}")
        start = m.held_at or m.scheduled_at
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=m.duration_minutes or 120))
        event.add("summary", f"{m.get_kind_display()}{': ' + m.title if m.title else ''}")
        if m.place:
            event.add("location", m.place)
        event.add("status", "CONFIRMED" if m.status != MeetingStatus.CANCELLED else "CANCELLED")
        cal.add_component(event)
    return bytes(cal.to_ical())
