"""Pages of the evaluation app (mounted at /evaluation/)."""

from django.urls import path

from . import criteria_views, views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/<int:pk>/", views.board, name="board"),
    path("rounds/<int:pk>/export.xlsx", views.export_xlsx, name="export"),
    path("units/<int:pk>/", views.sheet, name="sheet"),
    path("units/<int:pk>/decide/", views.unit_decide, name="unit_decide"),
    path("units/<int:pk>/print/", views.print_unit, name="print_unit"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/row/", views.row_save, name="row"),
    path("assessments/<int:pk>/print/", views.print_assessment, name="print_assessment"),
    path("org/<str:code>/summary/", views.summary, name="summary"),
    path("org/<str:code>/summary/list/", views.summary_list, name="summary_list"),
    path("criteria/", criteria_views.criteria_list, name="criteria_list"),
    path("criteria/new/", criteria_views.criteria_new, name="criteria_new"),
    path("criteria/<int:pk>/", criteria_views.criteria_detail, name="criteria"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
]
