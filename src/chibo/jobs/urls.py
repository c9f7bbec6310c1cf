"""Pages of the jobs app (mounted at /jobs/)."""

from django.urls import URLPattern

app_name = "jobs"

urlpatterns: list[URLPattern] = []
