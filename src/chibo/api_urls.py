from rest_framework.routers import DefaultRouter

from chibo.core.api_views import AuditEventViewSet, ReadLogViewSet
from chibo.members.api.views import MemberViewSet, TransferViewSet
from chibo.orgs.api.views import OrganizationViewSet

router = DefaultRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("read-log", ReadLogViewSet, basename="read-log")
router.register("members", MemberViewSet, basename="member")
router.register("transfers", TransferViewSet, basename="transfer")

urlpatterns = router.urls
