"""Pages of supervision and dialogue (mounted at /supervision/), and the public pages."""

from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("letters/", views.letter_list, name="letters"),
    path("letters/export.csv", views.letter_export, name="letter_export"),
    path("letters/<int:pk>/", views.letter_detail, name="letter"),
    path("letters/<int:pk>/sender/", views.letter_sender, name="sender"),
    path("org/<str:code>/overdue/", views.overdue, name="overdue"),
    path("org/<str:code>/dialogue-report/", views.annual_report, name="annual_report"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("key-tasks/<int:pk>/done/", views.key_task_done, name="key_task_done"),
]
