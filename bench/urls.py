"""Chibo's URLs plus `/bench/bare/`: a JSON view that touches no database (the framework's ceiling)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from chibo.urls import urlpatterns as chibo_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "path": request.path})


urlpatterns = [path("bench/bare/", bare), *chibo_urlpatterns]
