from django.apps import AppConfig


class ShowcasesConfig(AppConfig):
    name = "clusterobs.portal.showcases"
    label = "showcases"
    default_auto_field = "django.db.models.BigAutoField"
