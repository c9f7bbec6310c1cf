"""The API's exception handler: DRF's, plus numbers too large for the database (a filter such as
`?member=1e38`), which are the client's error, not the server's."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, OverflowError):
        return Response({"detail": _("A number in the request is out of range.")}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
