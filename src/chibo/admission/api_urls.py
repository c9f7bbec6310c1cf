"""API routes of the admission app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from .api.views import ActViewSet, ApplicantViewSet, TargetViewSet

router = SimpleRouter()
router.register("admission/applicants", ApplicantViewSet, basename="admission-applicant")
router.register("admission/acts", ActViewSet, basename="admission-act")
router.register("admission/targets", TargetViewSet, basename="admission-target")

urlpatterns = router.urls
