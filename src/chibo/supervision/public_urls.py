"""The public pages (no sign-in): the citizens' feedback form and the published programmes."""

from django.urls import path

from . import views

app_name = "supervision_public"

urlpatterns = [
    path("public/programmes/<uuid:key>/", views.public_programme, name="programme"),
    path("feedback/<str:code>/", views.feedback, name="feedback"),
]
