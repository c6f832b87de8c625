"""URLs of the methodology pages (mounted at /methodology/)."""

from django.urls import path, re_path

from clusterobs.portal.methodology import views

app_name = "methodology"
urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^(?P<slug>[a-z0-9-]+(?:/[a-z0-9-]+)?)/$", views.page, name="page"),
]
