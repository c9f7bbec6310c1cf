"""Pages of the reports app (mounted at /reports/)."""

from django.urls import URLPattern

app_name = "reports"

urlpatterns: list[URLPattern] = []
