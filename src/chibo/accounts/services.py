"""Writes about accounts: users, tokens, role assignments, passwords, deactivation. Each
audited.

Who may manage whom: an actor manages the users of the organizations their `user.change` scope
covers, and grants a role at a node only when they hold every action of that role there (no one
hands out more than they have); only the administrator grants a role that covers the whole
system. `actor=None` is the command line run by the server's operator, who may do anything."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.scoping import forget_scope, resolve_scope

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


def _org_paths(org: Any) -> list[str]:
    return list(org.versions.values_list("path", flat=True)) if org is not None else []


def may_manage_users_at(actor: Any, org: Any) -> bool:
    """The actor may create, assign, reset and deactivate users at `org` (a node in their
    `user.change` scope)."""
    if actor is None:
        return True
    scope = resolve_scope(actor, "user.change")
    if scope.everything:
        return True
    return org is not None and any(scope.covers_path(p) for p in _org_paths(org))


def may_grant(actor: Any, role: Role, org: Any) -> bool:
    """The actor holds every action of `role` at `org`, and may manage users there."""
    if actor is None:
        return True
    if role.is_global or "*" in role.actions:
        return resolve_scope(actor, "*").everything
    if not may_manage_users_at(actor, org):
        return False
    paths = _org_paths(org)
    for action in role.actions:
        scope = resolve_scope(actor, action)
        if not scope.everything and not any(scope.covers_path(p) for p in paths):
            return False
    return True


def grantable_roles(actor: Any, org: Any) -> list[Role]:
    return [r for r in Role.objects.order_by("key") if may_grant(actor, r, org)]


def _check_grant(actor: Any, role: Role, org: Any) -> None:
    if not may_grant(actor, role, org):
        raise ValidationError(
            _("You cannot give the role “%(role)s” at this organization: you may only give "
              "roles whose rights you hold there yourself.") % {"role": _(role.name)}
        )


def temporary_password() -> str:
    """A one-time password, shown once to whoever set it and changed at the first sign-in."""
    import secrets

    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _i in range(4)) for _j in range(4))


@transaction.atomic
def user_create(
    *, actor: Any, username: str, full_name: str, role: Role, org: Any,
    valid_from: dt.date, password: str | None = None, reason: str = "",
) -> tuple[User, str]:
    """A new account holding `role` at `org` from `valid_from`. Returns the user and the
    password to hand over: the one given, else a generated one; either way it must be changed
    at the first sign-in."""
    from django.contrib.auth.password_validation import validate_password

    username = username.strip()
    if not username:
        raise ValidationError(_("Enter a username."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("The username “%(name)s” is taken.") % {"name": username})
    User.username_validator(username)
    _check_grant(actor, role, org)
    if password is None:
        password = temporary_password()
    user = User(username=username, full_name=full_name.strip(), must_change_password=True)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_log(actor=actor, action="user.create", target=user, target_label=str(user),
              org_path=_primary_path(org),
              after={"username": user.username, "full_name": user.full_name}, reason=reason)
    role_assign(actor=actor, user=user, role=role, org=org, valid_from=valid_from)
    return user, password


def _primary_path(org: Any) -> str:
    if org is None:
        return ""
    version = org.latest_version()
    return version.path if version else ""


def _check_manages(actor: Any, user: User) -> None:
    """The actor manages `user` when one of the user's assignments is at a node they manage."""
    if actor is None or resolve_scope(actor, "user.change").everything:
        return
    orgs = [a.org for a in user.role_assignments.select_related("org") if a.org is not None]
    if not any(may_manage_users_at(actor, org) for org in orgs):
        raise ValidationError(_("You do not manage this account."))


@transaction.atomic
def user_password_reset(*, actor: Any, user: User, reason: str) -> str:
    """A new one-time password for `user` (returned, shown once); their sessions end and the
    password must be changed at the next sign-in."""
    if not reason.strip():
        raise ValidationError(_("Say why the password is reset."))
    if not user.is_active:
        raise ValidationError(_("The account is deactivated."))
    _check_manages(actor, user)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    ended = _delete_sessions_of(user)
    audit_log(actor=actor, action="user.password_reset", target=user,
              after={"sessions_ended": ended}, reason=reason)
    return password


@transaction.atomic
def user_password_changed(*, user: User) -> User:
    """The user chose their own password (called after Django's password change form saved
    it): the one-time password is spent."""
    was = user.must_change_password
    if was:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit_log(actor=user, action="user.password_change", target=user,
              before={"must_change_password": was}, after={"must_change_password": False})
    return user


@transaction.atomic
def role_assign(
    *, actor: Any, user: User, role: Role, org: Any, valid_from: dt.date,
    valid_to: dt.date | None = None, note: str = "",
) -> RoleAssignment:
    _check_grant(actor, role, org)
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
    if not may_manage_users_at(actor, assignment.org):
        raise ValidationError(_("You do not manage this account."))
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
    _check_manages(actor, user)
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
