"""URLs of the stresstest app."""

from django.urls import path

app_name = "stresstest"
urlpatterns: list = []
