"""API routes of supervision and dialogue (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from .api.views import LetterSenderViewSet, LetterViewSet, ProgrammeViewSet, ProposalViewSet

router = SimpleRouter()
router.register("letters", LetterViewSet, basename="letter")
router.register("letter-senders", LetterSenderViewSet, basename="letter-sender")
router.register("dialogue-programmes", ProgrammeViewSet, basename="dialogue-programme")
router.register("dialogue-proposals", ProposalViewSet, basename="dialogue-proposal")

urlpatterns = router.urls
