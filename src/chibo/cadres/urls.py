"""Pages of the cadres app (mounted at /cadres/)."""

from django.urls import URLPattern

app_name = "cadres"

urlpatterns: list[URLPattern] = []
