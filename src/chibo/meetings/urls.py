"""Pages of the meetings app (mounted at /meetings/)."""

from django.urls import URLPattern

app_name = "meetings"

urlpatterns: list[URLPattern] = []
