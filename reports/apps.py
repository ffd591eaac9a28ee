from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """S3 reports: tallies recorded as things happen, read per period in a viewer's time zone."""

    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"
