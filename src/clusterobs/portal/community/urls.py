"""URLs of the community app."""

from django.urls import path

app_name = "community"
urlpatterns: list = []
