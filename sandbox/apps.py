from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """A local stand-in for WhatsApp: a Graph API look-alike and a customer phone page."""

    name = "sandbox"
    label = "sandbox"
    verbose_name = "WhatsApp sandbox"
