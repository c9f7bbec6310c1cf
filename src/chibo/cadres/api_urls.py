"""API routes of the cadres app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from .api.views import CourseViewSet, PostViewSet, SecondmentViewSet, SummaryViewSet, WatchViewSet

router = SimpleRouter()
router.register("cadres/posts", PostViewSet, basename="cadre-post")
router.register("cadres/courses", CourseViewSet, basename="cadre-course")
router.register("cadres/watches", WatchViewSet, basename="cadre-watch")
router.register("cadres/secondments", SecondmentViewSet, basename="cadre-secondment")
router.register("cadres/summary", SummaryViewSet, basename="cadre-summary")

urlpatterns = router.urls
