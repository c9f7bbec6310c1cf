from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("chibo.api_urls")),
    path("", include("chibo.web.urls")),
    path("", include("chibo.accounts.urls")),
    path("orgs/", include("chibo.orgs.urls")),
    path("members/io/", include("chibo.members.import_urls")),
    path("members/", include("chibo.members.urls")),
    path("rules/", include("chibo.rules.urls")),
    path("restructuring/", include("chibo.restructuring.urls")),
    path("jobs/", include("chibo.jobs.urls")),
    path("reports/", include("chibo.reports.urls")),
    path("cadres/", include("chibo.cadres.urls")),
    path("meetings/", include("chibo.meetings.urls")),
    path("evaluation/", include("chibo.evaluation.urls")),
    path("admission/", include("chibo.admission.urls")),
    path("supervision/", include("chibo.supervision.urls")),
    path("", include("chibo.supervision.public_urls")),
]

handler400 = "chibo.core.errors.bad_request"
handler403 = "chibo.core.errors.forbidden"
handler404 = "chibo.core.errors.not_found"
handler500 = "chibo.core.errors.server_error"
