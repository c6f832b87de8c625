"""URLs of the trends and scoreboard pages."""

from django.urls import path

from clusterobs.portal.insights import views

app_name = "insights"
urlpatterns = [
    path("trends/", views.trends, name="trends"),
    path("trends/report.<str:fmt>", views.trends_report_view, name="trends_report"),
    path("trends/regions/<str:code>/", views.trends_region, name="trends_region"),
    path("scoreboard/", views.scoreboard, name="scoreboard"),
    path("scoreboard/report.<str:fmt>", views.scoreboard_report_view, name="scoreboard_report"),
    path("scoreboard/<str:code>/", views.scoreboard_region, name="scoreboard_region"),
]
