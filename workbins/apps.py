from django.apps import AppConfig


class WorkbinsConfig(AppConfig):
    """Personal and group workbins where interactions wait with their session alive."""

    name = "workbins"
    verbose_name = "Workbins"
