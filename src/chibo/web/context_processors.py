from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def chibo(request: HttpRequest) -> dict[str, Any]:
    from django.utils.functional import SimpleLazyObject

    from .nav import entries_for

    user = getattr(request, "user", None)
    return {
        "chibo_version": "0.1",
        # Lazy: evaluated only when a template draws the menu (not for partials or JSON).
        "nav_entries": SimpleLazyObject(lambda: entries_for(user, request.path)),
    }
