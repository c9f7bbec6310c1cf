"""Users, roles (data: actions per role) and role assignments at organization nodes."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import Scope, ScopedQuerySet, resolve_scope
from chibo.core.validtime import ValidTimeModel


class UserQuerySet(ScopedQuerySet["User"]):
    """A user account is in scope when one of its role assignments is at an organization in
    scope; everyone may see their own account."""

    def scope_filter(self, scope: Scope) -> Q:
        from chibo.orgs.models import OrgVersion

        versions = OrgVersion.objects.filter(
            org_id=OuterRef("org_id")
        ).filter(any_subtree_q(list(scope.paths)))
        assignments = RoleAssignment.objects.filter(user_id=OuterRef("pk")).filter(Exists(versions))
        return Q(Exists(assignments))

    def restrict(self, user: Any, action: str = "user.view") -> UserQuerySet:
        scope = resolve_scope(user, action)
        own = Q(pk=getattr(user, "pk", None)) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
        if scope.everything:
            return self.all()  # type: ignore[return-value]
        if scope.is_empty:
            return self.filter(own)  # type: ignore[return-value]
        return self.filter(self.scope_filter(scope) | own)  # type: ignore[return-value]


class ChiboUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in. Names are one field (Vietnamese names are not first/last)."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    must_change_password = models.BooleanField(
        _("must change the password at the next sign-in"), default=False
    )

    objects = ChiboUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.Model):
    """A role is data: the actions it grants, and whether it covers everything."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    actions = models.JSONField(_("actions"), default=list)
    is_global = models.BooleanField(_("covers the whole system"), default=False)
    requires_two_step = models.BooleanField(_("requires two-step sign-in"), default=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["key"]

    def __str__(self) -> str:
        # the built-in roles' names are catalogue msgids (chibo.accounts.roles): in the reader's language
        return gettext(self.name)


class RoleAssignment(ValidTimeModel):
    """A user holds a role at an organization node for a period; it covers the node's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    org = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        indexes = [models.Index(fields=["user", "valid_from", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="roleassignment_valid_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} @ {self.org_id or '*'}"


class ApiToken(models.Model):
    """An API token: only its hash is stored; it expires and can be revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        # never starting with "-": the first 8 characters name the token on the command line
        # (`chibo token revoke <prefix>`), where a leading dash reads as an option
        while (key := secrets.token_urlsafe(32)).startswith("-"):
            pass
        return key

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
