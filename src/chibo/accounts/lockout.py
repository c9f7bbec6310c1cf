"""Sign-in lock-out (security.md G18; issue 18, item 7), on django-axes.

Three ceilings within the cool-off window (an hour):

- an account from one address: `CHIBO_SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS` failures (10) lock
  that account *from that address* only: a mistyped password in an office locks neither the
  colleagues nor the same person at home;
- an address: `CHIBO_SIGNIN_FAILURES_PER_ADDRESS` failures (50), over all the accounts tried from
  it, lock every sign-in from that address (password guessing across many names);
- an account: `CHIBO_SIGNIN_FAILURES_PER_ACCOUNT` failures (100), over all addresses, lock the
  account from everywhere (guessing one password from many addresses).

axes records failures per (username, address) (`AXES_LOCKOUT_PARAMETERS`); `failure_limit`
(`AXES_FAILURE_LIMIT`) answers 0 once the address or account ceiling is reached, which axes
reads as "locked" for every (username, address) pair it covers. The lock-out page says which of
the three holds and until when. Administrators lift a lock with `chibo axes_reset`,
`chibo axes_reset_username NAME` or `chibo axes_reset_ip ADDRESS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

ACCOUNT_ADDRESS, ADDRESS, ACCOUNT = "account_address", "address", "account"


@dataclass(frozen=True)
class Lock:
    kind: str  # ACCOUNT_ADDRESS, ADDRESS or ACCOUNT
    until: dt.datetime


def _window() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(hours=1)


def _ip(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


def _recent(**filters: Any) -> tuple[int, dt.datetime | None]:
    since = timezone.now() - _window()
    agg = AccessAttempt.objects.filter(attempt_time__gte=since, **filters).aggregate(
        n=Sum("failures_since_start"), last=Max("attempt_time"))
    return int(agg["n"] or 0), agg["last"]


def current_lock(request: HttpRequest, credentials: dict[str, Any] | None = None) -> Lock | None:
    """Which lock holds for this sign-in (username from the credentials or the form, the client's
    address), if any, and until when."""
    username = get_client_username(request, credentials)
    ip = _ip(request)
    checks = []
    if username and ip:
        checks.append((ACCOUNT_ADDRESS, settings.CHIBO_SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS,
                       {"username": username, "ip_address": ip}))
    if ip:
        checks.append((ADDRESS, settings.CHIBO_SIGNIN_FAILURES_PER_ADDRESS, {"ip_address": ip}))
    if username:
        checks.append((ACCOUNT, settings.CHIBO_SIGNIN_FAILURES_PER_ACCOUNT, {"username": username}))
    for kind, limit, filters in checks:
        n, last = _recent(**filters)
        if n >= limit and last is not None:
            return Lock(kind=kind, until=last + _window())
    return None


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
    """AXES_FAILURE_LIMIT: the per-(account, address) limit, or 0 (locked) once the address's or
    the account's own ceiling is reached."""
    ip = _ip(request)
    if ip and _recent(ip_address=ip)[0] >= settings.CHIBO_SIGNIN_FAILURES_PER_ADDRESS:
        return 0
    username = get_client_username(request, credentials)
    if username and _recent(username=username)[0] >= settings.CHIBO_SIGNIN_FAILURES_PER_ACCOUNT:
        return 0
    return int(settings.CHIBO_SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS)


def lockout_response(request: HttpRequest, original_response: Any = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page that says what is locked and until when (429)."""
    lock = current_lock(request, credentials)
    until = lock.until if lock else timezone.now() + _window()
    return render(request, "registration/locked.html", {
        "lock": lock, "kind": lock.kind if lock else ACCOUNT_ADDRESS, "until": timezone.localtime(until),
        "username": get_client_username(request, credentials) or "",
    }, status=429)
