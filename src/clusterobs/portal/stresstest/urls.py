"""URLs of the stresstest app: /stress-test/ and the private pages /stress-test/r/<token>/..."""

from django.urls import path, register_converter

from clusterobs.portal.stresstest import views


class TokenConverter:
    regex = r"[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

app_name = "stresstest"
urlpatterns = [
    path("", views.start, name="start"),
    path("r/<token:token>/", views.resume, name="resume"),
    path("r/<token:token>/s/<str:section>/", views.section, name="section"),
    path("r/<token:token>/autosave/", views.autosave, name="autosave"),
    path("r/<token:token>/review/", views.review, name="review"),
    path("r/<token:token>/results/", views.results_page, name="results"),
    path("r/<token:token>/results.pdf", views.pdf, name="pdf"),
]
