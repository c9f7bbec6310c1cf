"""Pages of the cadres app (mounted at /cadres/)."""

from django.urls import path

from . import views

app_name = "cadres"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("units/<str:code>/", views.unit, name="unit"),
    path("members/<int:pk>/", views.cadre, name="cadre"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("courses/", views.course_list, name="courses"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("contests/", views.contest_list, name="contests"),
    path("contests/<int:pk>/", views.contest_detail, name="contest"),
]
