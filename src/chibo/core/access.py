"""Every page declares its access policy. Deny by default: `chibo.core.access.policy_of()` is
read by the generic route test, which fails for a route without one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"          # anyone, signed in or not (sign-in page, language switch)
SIGNED_IN = "signed_in"    # any signed-in user; shows nothing scoped
SCOPED = "scoped"          # signed in, data restricted by restrict(user, action)


def access_policy(policy: str) -> Callable[[F], F]:
    def mark(view: F) -> F:
        view.chibo_access = policy  # type: ignore[attr-defined]
        return view

    return mark


def policy_of(view: Any) -> str | None:
    for obj in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        if obj is not None and getattr(obj, "chibo_access", None):
            return str(obj.chibo_access)
    return None
