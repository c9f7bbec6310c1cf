"""Writes about accounts: tokens, role assignments, deactivation. Each audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.scoping import forget_scope

from .models import ApiToken, Role, RoleAssignment, User


@transaction.atomic
def token_create(*, actor: Any, user: User, days: int) -> tuple[ApiToken, str]:
    """A new API token for `user`, valid `days` days. Returns the token and its key, which is
    shown once and never stored."""
    if not 1 <= days <= 366:
        raise ValidationError(_("A token is valid for 1 to 366 days."))
    if not user.is_active:
        raise ValidationError(_("The account is deactivated."))
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        prefix=key[:8],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_log(actor=actor, action="token.create", target=token, target_label=str(user),
              after={"user": user.username, "prefix": token.prefix, "expires_at": str(token.expires_at)})
    return token, key


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken, reason: str = "") -> ApiToken:
    if token.revoked_at is not None:
        raise ValidationError(_("The token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log(actor=actor, action="token.revoke", target=token, target_label=str(token.user),
              after={"prefix": token.prefix}, reason=reason)
    return token


@transaction.atomic
def role_assign(
    *, actor: Any, user: User, role: Role, org: Any, valid_from: dt.date,
    valid_to: dt.date | None = None, note: str = "",
) -> RoleAssignment:
    if valid_to is not None and valid_to <= valid_from:
        raise ValidationError(_("The end date must be after the start date."))
    if not role.is_global and org is None:
        raise ValidationError(_("This role is held at an organization: choose one."))
    assignment = RoleAssignment.objects.create(
        user=user, role=role, org=org, valid_from=valid_from, valid_to=valid_to, note=note
    )
    forget_scope(user)
    audit_log(actor=actor, action="role.assign", target=assignment, target_label=str(user),
              after={"user": user.username, "role": role.key, "org": getattr(org, "code", None),
                     "valid_from": str(valid_from), "valid_to": str(valid_to) if valid_to else None})
    return assignment


@transaction.atomic
def role_end(*, actor: Any, assignment: RoleAssignment, on: dt.date, reason: str = "") -> RoleAssignment:
    """End an assignment (the post ended): it stops counting from `on`."""
    if assignment.valid_to is not None and assignment.valid_to <= on:
        raise ValidationError(_("The assignment has already ended."))
    assignment_before: dict[str, str | None]
    if on <= assignment.valid_from:
        assignment_before = {"valid_to": None}
        assignment.valid_to = assignment.valid_from + dt.timedelta(days=1)
    else:
        assignment_before = {"valid_to": str(assignment.valid_to) if assignment.valid_to else None}
        assignment.valid_to = on
    assignment.save(update_fields=["valid_to"])
    forget_scope(assignment.user)
    audit_log(actor=actor, action="role.end", target=assignment, target_label=str(assignment.user),
              before=assignment_before, after={"valid_to": str(assignment.valid_to)}, reason=reason)
    return assignment


def _delete_sessions_of(user: User) -> int:
    n = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            n += 1
    return n


@transaction.atomic
def user_deactivate(*, actor: Any, user: User, reason: str) -> User:
    """Deactivate an account: its sessions end on the server and its tokens are revoked."""
    if not reason.strip():
        raise ValidationError(_("Say why the account is deactivated."))
    if not user.is_active:
        raise ValidationError(_("The account is already deactivated."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = _delete_sessions_of(user)
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_log(actor=actor, action="user.deactivate", target=user, before={"is_active": True},
              after={"is_active": False, "sessions_ended": ended, "tokens_revoked": revoked},
              reason=reason)
    return user


@transaction.atomic
def otp_confirm(*, actor: Any, device: Any) -> Any:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_log(actor=actor, action="otp.confirm", target=device.user, after={"device": device.name})
    return device
