from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The agent console: the page, its static modules and its WebSocket (no models)."""

    name = "console"
    verbose_name = "Agent console"
