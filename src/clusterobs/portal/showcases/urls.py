"""URLs of the showcases app (mounted at /showcases/)."""

from django.urls import path

from clusterobs.portal.showcases import views

app_name = "showcases"
urlpatterns: list = [
    path("", views.library, name="library"),
    path("submit/", views.submit_case, name="submit"),
    path("queue/", views.queue, name="queue"),
    path("<slug:slug>/", views.case_page, name="case"),
    path("<slug:slug>/edit/", views.edit_case, name="edit"),
    path("<slug:slug>/<str:action>/", views.moderate, name="moderate"),
]
