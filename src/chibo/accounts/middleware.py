"""Sessions end after 30 idle minutes or 12 hours, whichever comes first (security.md G19)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LAST_SEEN = "chibo_last_seen"
SIGNED_IN_AT = "chibo_signed_in_at"


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN, now)
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            idle = getattr(settings, "CHIBO_SESSION_IDLE_SECONDS", 30 * 60)
            if now - last_seen > idle or now - signed_in_at > settings.SESSION_COOKIE_AGE:
                logout(request)  # flushes the session on the server
                messages.info(request, _("Your session has ended. Please sign in again."))
            elif now - last_seen >= 60 or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now  # write at most once a minute
        return self.get_response(request)
