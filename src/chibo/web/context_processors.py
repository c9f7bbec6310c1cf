from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def chibo(request: HttpRequest) -> dict[str, Any]:
    return {"chibo_version": "0.1"}
