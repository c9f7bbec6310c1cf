"""Pages of the meetings app (mounted at /meetings/)."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("org/<str:code>/", views.org_calendar, name="calendar"),
    path("org/<str:code>/resolutions/", views.resolution_book, name="resolutions"),
    path("org/<str:code>/overdue/", views.overdue_tasks, name="overdue"),
    path("org/<str:code>/quality/", views.quality, name="quality"),
    path("org/<str:code>/quality/drill/", views.quality_meetings, name="quality_drill"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/agenda/", views.meeting_agenda, name="agenda"),
    path("<int:pk>/notice/", views.meeting_notice, name="notice"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/hold/", views.meeting_hold, name="hold"),
    path("<int:pk>/votes/", views.meeting_vote, name="vote"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:pk>/minutes/amend/", views.meeting_amend, name="amend"),
    path("<int:pk>/minutes/print/", views.minutes_print, name="print"),
    path("<int:pk>/resolutions/", views.meeting_resolution, name="resolution"),
    path("<int:pk>/tasks/", views.meeting_task, name="task"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("feed/<str:token>.ics", views.ical_feed, name="ical"),
]
