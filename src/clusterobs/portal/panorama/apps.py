from django.apps import AppConfig


class PanoramaConfig(AppConfig):
    name = "clusterobs.portal.panorama"
    label = "panorama"
