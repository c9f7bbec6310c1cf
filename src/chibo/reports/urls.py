"""Pages of the reports app (mounted at /reports/)."""

from django.urls import URLPattern, path

from . import views

app_name = "reports"

urlpatterns: list[URLPattern] = [
    path("indicators/", views.indicators, name="indicators"),
    path("value/", views.value, name="value"),
    path("drill/", views.drill, name="drill"),
    path("seeds/", views.seeds, name="seeds"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/report/", views.periodic, name="periodic"),
]
