"""API routes of the evaluation app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from .api.views import AssessmentViewSet, CriteriaSetViewSet, ProgrammeViewSet, RoundViewSet

router = SimpleRouter()
router.register("evaluation-rounds", RoundViewSet, basename="evaluation-round")
router.register("evaluation-criteria", CriteriaSetViewSet, basename="evaluation-criteria")
router.register("evaluation-assessments", AssessmentViewSet, basename="evaluation-assessment")
router.register("emulation-programmes", ProgrammeViewSet, basename="emulation-programme")

urlpatterns = router.urls
