from django.apps import AppConfig


class StresstestConfig(AppConfig):
    name = "clusterobs.portal.stresstest"
    label = "stresstest"
    default_auto_field = "django.db.models.BigAutoField"
