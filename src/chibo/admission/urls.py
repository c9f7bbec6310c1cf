"""Pages of the admission app (mounted at /admission/)."""

from django.urls import path

from . import views

app_name = "admission"

urlpatterns = [
    path("", views.index, name="index"),
    path("org/<str:code>/", views.org_page, name="org"),
    path("org/<str:code>/overdue/", views.overdue, name="overdue"),
    path("org/<str:code>/target/", views.target, name="target"),
    path("org/<str:code>/review/", views.review, name="review"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/extend/", views.extend, name="extend"),
    path("<int:pk>/remove/", views.remove, name="remove"),
    path("<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/print/", views.print_record, name="print"),
    path("<int:pk>/print/<slug:form>/", views.print_form, name="print_form"),
    path("files/<int:pk>/", views.file_download, name="file"),
]
