"""URL configuration of the portal: explorer pages, the API under /api/v1/, the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from clusterobs.portal.api.api import api
from clusterobs.portal.contact import contact
from clusterobs.portal.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/openapi.json", RedirectView.as_view(url="/api/v1/openapi.json", permanent=False)),
    path("api/", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("stress-test/", include("clusterobs.portal.stresstest.urls")),
    path("showcases/", include("clusterobs.portal.showcases.urls")),
    path("", include("clusterobs.portal.community.urls")),
    path("", include("clusterobs.portal.insights.urls")),
    path("panorama/", include("clusterobs.portal.panorama.urls")),
    path("methodology/", include("clusterobs.portal.methodology.urls")),
    path("contact/", contact, name="contact"),
    path("", include("clusterobs.portal.explorer.urls")),
]
