"""Sessions end after 30 idle minutes or 12 hours, whichever comes first (security.md G19)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
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


class FirstSignInMiddleware:
    """Until a user has chosen their own password (the one they were given is one-time) and,
    where one of their roles requires it, enrolled a second sign-in step, every page sends them
    to do so; the API answers 403 with the reason. Sign-out, the language switch and static
    files stay reachable."""

    EXEMPT_PREFIXES = ("/logout/", "/i18n/", "/static/", "/favicon.ico", "/login/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        ):
            target = self._pending_step(request, user)
            if target is not None and request.path != target:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "detail": _(
                                "Finish signing in first: change your password or set "
                                "up two-step sign-in in the web interface."
                            )
                        },
                        status=403,
                    )
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _pending_step(request: HttpRequest, user: object) -> str | None:
        if getattr(user, "must_change_password", False):
            return reverse("accounts:password_change")
        if getattr(user, "is_verified", None) is not None and not user.is_verified():  # type: ignore[attr-defined]
            from .selectors import requires_two_step

            if requires_two_step(user):
                return reverse("accounts:otp_setup")
        return None
