from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("of/<str:code>/", views.org_members, name="org_members"),
    path("transfers/overdue/", views.overdue_transfers, name="overdue_transfers"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/events/", views.event_create, name="event_create"),
]
