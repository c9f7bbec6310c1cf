"""Deploy checks Django omits (security.md G2)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def chibo_security_checks(app_configs: Any, **kwargs: Any) -> list[Warning]:
    out: list[Warning] = []
    if settings.SESSION_COOKIE_AGE > 12 * 60 * 60:
        out.append(Warning("SESSION_COOKIE_AGE exceeds 12 hours.", id="chibo.W001"))
    if getattr(settings, "CHIBO_SESSION_IDLE_SECONDS", 0) > 30 * 60:
        out.append(Warning("Idle session timeout exceeds 30 minutes.", id="chibo.W002"))
    first = settings.PASSWORD_HASHERS[0]
    if "Argon2" not in first and "PBKDF2" not in first:
        out.append(Warning("The first password hasher must be Argon2 or PBKDF2.", id="chibo.W003"))
    if not settings.SESSION_COOKIE_NAME.startswith("__Host-"):
        out.append(Warning("The session cookie name must start with __Host-.", id="chibo.W004"))
    if not settings.CSRF_COOKIE_NAME.startswith("__Host-"):
        out.append(Warning("The CSRF cookie name must start with __Host-.", id="chibo.W005"))
    if not settings.DATA_UPLOAD_MAX_MEMORY_SIZE or not settings.DATA_UPLOAD_MAX_NUMBER_FILES:
        out.append(Warning("Upload limits must be set.", id="chibo.W006"))
    if "chibo.core.middleware.ContentSecurityPolicyMiddleware" not in settings.MIDDLEWARE:
        out.append(Warning("The Content Security Policy middleware is not installed.", id="chibo.W007"))
    return out
