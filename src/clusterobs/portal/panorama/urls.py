"""URLs of the Panorama pages (mounted at /panorama/)."""

from django.urls import path

from clusterobs.portal.panorama import views

app_name = "panorama"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:edition>/changes/", views.changes_page, name="changes"),
    path("<str:edition>/headline.svg", views.headline_map, name="headline_map"),
    path("<str:edition>/download/<str:kind>/", views.download, name="download"),
]
