"""API routes of the meetings app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from .api.views import (
    AttendanceViewSet,
    MeetingViewSet,
    ResolutionViewSet,
    TaskViewSet,
    VoteViewSet,
)

router = SimpleRouter()
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("meeting-attendance", AttendanceViewSet, basename="meeting-attendance")
router.register("meeting-votes", VoteViewSet, basename="meeting-vote")
router.register("resolutions", ResolutionViewSet, basename="resolution")
router.register("meeting-tasks", TaskViewSet, basename="meeting-task")

urlpatterns = router.urls
