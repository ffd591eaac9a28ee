from django.apps import AppConfig


class TemplatesAppConfig(AppConfig):
    """Standard responses and WhatsApp message templates, kept by content managers."""

    name = "templates_app"
    verbose_name = "Responses and templates"
