"""Deploy checks Django omits (security.md G2)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections


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
    key = getattr(settings, "CHIBO_AUDIT_KEY", "")
    if not key or key == getattr(settings, "DEV_AUDIT_KEY", None) or len(key) < 32:
        out.append(Warning(
            "CHIBO_AUDIT_KEY is missing, too short or the development key: set a secret of at "
            "least 32 characters in the environment (it keys the audit chain).", id="chibo.W008"))
    return out


@register()
def chibo_audit_lock_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """On SQLite the audit chain relies on BEGIN IMMEDIATE to serialize appends (core/chain.py)."""
    out: list[Error] = []
    for alias in connections:
        conn = connections[alias]
        if conn.vendor == "sqlite" and conn.settings_dict.get("OPTIONS", {}).get(
            "transaction_mode"
        ) != "IMMEDIATE":
            out.append(Error(f"Database {alias!r}: SQLite needs OPTIONS transaction_mode "
                             "'IMMEDIATE' (the audit chain's appends are serialized by it).",
                             id="chibo.E001"))
    return out
