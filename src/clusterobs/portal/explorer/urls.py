"""URLs of the explorer pages."""

from django.urls import path

from clusterobs.portal.explorer import region_category, report, views

app_name = "explorer"
urlpatterns = [
    path("", views.home, name="home"),
    path("search.json", views.search, name="search"),
    path("map/", views.map_view, name="map"),
    path("map/panel/", views.map_panel, name="map_panel"),
    path("regions/<str:code>/", views.region, name="region"),
    path("regions/<str:code>/categories/<str:category>/", region_category.region_category,
         name="region_category"),
    path("regions/<str:code>/report/", report.region_report, {"fmt": "html"}, name="region_report"),
    path("regions/<str:code>/report.pdf", report.region_report, {"fmt": "pdf"}, name="region_report_pdf"),
    path("categories/<str:scheme>/<str:code>/", views.category, name="category"),
    path("compare/", views.compare, name="compare"),
]
