"""URLs of the showcases app."""

from django.urls import path

app_name = "showcases"
urlpatterns: list = []
