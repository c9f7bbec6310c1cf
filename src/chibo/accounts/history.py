"""How account changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import register_actions, register_fields


def register() -> None:
    register_actions({
        "user.create": gettext_lazy("Account created"),
        "user.deactivate": gettext_lazy("Account deactivated"),
        "user.password_reset": gettext_lazy("Password reset"),
        "user.password_change": gettext_lazy("Password changed by its owner"),
        "role.assign": gettext_lazy("Role given"),
        "role.end": gettext_lazy("Role ended"),
        "token.create": gettext_lazy("API token created"),
        "token.revoke": gettext_lazy("API token revoked"),
        "otp.confirm": gettext_lazy("Two-step sign-in turned on"),
    })
    register_fields({
        "username": gettext_lazy("Username"),
        "user": gettext_lazy("User"),
        "role": gettext_lazy("Role"),
        "org": gettext_lazy("Organization"),
        "prefix": gettext_lazy("Token"),
        "expires_at": gettext_lazy("Expires"),
        "is_active": gettext_lazy("Active"),
        "sessions_ended": gettext_lazy("Sessions ended"),
        "tokens_revoked": gettext_lazy("Tokens revoked"),
        "must_change_password": gettext_lazy("Must change the password"),
        "device": gettext_lazy("Device"),
    })
