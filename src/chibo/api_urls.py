from django.urls import include, path
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

# Each app's own API routes (its router's URLs, or plain paths) are included here, one line each.
urlpatterns = [
    *router.urls,
    path("", include("chibo.jobs.api_urls")),
    path("", include("chibo.reports.api_urls")),
    path("", include("chibo.cadres.api_urls")),
    path("", include("chibo.meetings.api_urls")),
    path("", include("chibo.evaluation.api_urls")),
    path("", include("chibo.admission.api_urls")),
    path("", include("chibo.supervision.api_urls")),
]
