"""Error pages. API paths answer in JSON (the API's contract); pages answer in HTML."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .access import PUBLIC, access_policy


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


@access_policy(PUBLIC)
def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "web/error.html", {"status": 404, "message": _("This page does not exist, or you may not see it.")}, status=404)


@access_policy(PUBLIC)
def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Something went wrong on our side. It has been logged.")}, status=500)
    return render(request, "web/error.html", {"status": 500, "message": _("Something went wrong on our side. It has been logged.")}, status=500)


@access_policy(PUBLIC)
def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    # an exception may carry a message meant for the user (already translated), e.g. why a
    # sensitive field may not be asked about (members.sensitive.SensitiveFieldDenied)
    message = str(getattr(exception, "user_message", "") or "") or _("You may not do this.")
    if _is_api(request):
        return JsonResponse({"detail": message}, status=403)
    return render(request, "web/error.html", {"status": 403, "message": message}, status=403)


@access_policy(PUBLIC)
def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("The request could not be understood.")}, status=400)
    return render(request, "web/error.html", {"status": 400, "message": _("The request could not be understood.")}, status=400)
