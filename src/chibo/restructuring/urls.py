from django.urls import path

from . import views

app_name = "restructuring"

urlpatterns = [
    path("", views.check, name="check"),
    path("plan-2025/", views.plan_2025, name="plan_2025"),
    path("where/", views.where, name="where"),
]
