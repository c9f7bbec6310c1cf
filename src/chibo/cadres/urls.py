"""Pages of the cadres app (mounted at /cadres/)."""

from django.urls import path

from . import views

app_name = "cadres"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("me/", views.my_posts, name="me"),
    path("units/<str:code>/", views.unit, name="unit"),
    path("units/<str:code>/posts/new/", views.post_assign, name="post_assign"),
    path("members/<int:pk>/", views.cadre, name="cadre"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("courses/<int:pk>/enrol/", views.course_enrol, name="course_enrol"),
    path("courses/<int:pk>/result/", views.course_result, name="course_result"),
    path("contests/", views.contest_list, name="contests"),
    path("contests/<int:pk>/", views.contest_detail, name="contest"),
]
