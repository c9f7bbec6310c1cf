"""Pages of the cadres app (mounted at /cadres/)."""

from django.urls import path

from . import views, write_views

app_name = "cadres"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("me/", views.my_posts, name="me"),
    path("units/<str:code>/", views.unit, name="unit"),
    path("units/<str:code>/posts/new/", views.post_assign, name="post_assign"),
    path("units/<str:code>/watchers/new/", write_views.watch_assign, name="watch_assign"),
    path("units/<str:code>/secondments/new/", write_views.secondment_add, name="secondment_add"),
    path("watches/<int:pk>/end/", write_views.watch_end, name="watch_end"),
    path("members/<int:pk>/", views.cadre, name="cadre"),
    path("members/<int:pk>/roles/new/", write_views.role_add, name="role_add"),
    path("members/<int:pk>/qualifications/new/", write_views.qualification_add, name="qualification_add"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("courses/<int:pk>/enrol/", views.course_enrol, name="course_enrol"),
    path("courses/<int:pk>/result/", views.course_result, name="course_result"),
    path("contests/", views.contest_list, name="contests"),
    path("contests/new/", write_views.contest_create, name="contest_create"),
    path("contests/<int:pk>/", views.contest_detail, name="contest"),
    path("contests/<int:pk>/enter/", write_views.contest_enter, name="contest_enter"),
    path("contests/<int:pk>/score/", write_views.contest_score, name="contest_score"),
    path("contests/<int:pk>/award/", write_views.contest_award, name="contest_award"),
]
