from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from fuwu.api import api

urlpatterns = [
    path("", include("fuwu.core.urls")),
    path("org/", include("fuwu.org.urls")),
    path("customers/", include("fuwu.customers.urls")),
    path("service-types/", include("fuwu.catalogue.urls")),
    path("policy/", include("fuwu.policy.urls")),
    path("calendar/", include("fuwu.workcal.urls")),
    path("work-orders/", include("fuwu.workorders.urls")),
    path("complaints/", include("fuwu.complaints.urls")),
    path("notifications/", include("fuwu.notify.urls")),
    path("exports/", include("fuwu.exports.urls")),
    path("approvals/", include("fuwu.approvals.urls")),
    path("capa/", include("fuwu.capa.urls")),
    path("duty/", include("fuwu.duty.urls")),
    path("tracing/", include("fuwu.tracing.urls")),
    path("inspections/", include("fuwu.inspections.urls")),
    path("suppliers/", include("fuwu.suppliers.urls")),
    path("visits/", include("fuwu.visits.urls")),
    path("reports/", include("fuwu.reports.urls")),
    path("service/complaints/", include("fuwu.complaints.public_urls")),
    path("service/visits/", include("fuwu.visits.public_urls")),
    path("service/", include("fuwu.workorders.public_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
