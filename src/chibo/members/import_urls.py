from django.urls import path

from . import import_views as views

app_name = "members_io"

urlpatterns = [
    path("", views.upload, name="import"),
    path("template.xlsx", views.template, {"fmt": "xlsx"}, name="template_xlsx"),
    path("template.csv", views.template, {"fmt": "csv"}, name="template_csv"),
    path("jobs/<str:job_id>/", views.job, name="job"),
    path("jobs/<str:job_id>/commit/", views.job_commit, name="job_commit"),
    path("export/", views.export, name="export"),
]
