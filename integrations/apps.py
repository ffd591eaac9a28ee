from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from waproject.i18n import translate_derived_labels

# U4: before this app's models load (waproject/i18n.py).
translate_derived_labels()


class IntegrationsConfig(AppConfig):
    """Integrators (B4, B5): event webhooks to their systems, signed and delivered at least
    once, in order per interaction, from an outbox written with the domain change; and
    external bots that own new interactions before routing. Its own app: the domain
    services call one small recording module (``integrations.outbox``) and, for the bots,
    ``integrations.bots``; everything else (delivery, admin, the hand-off API) lives here."""

    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        # Lazy by Django's rule: the signal handlers' module imports models.
        from integrations import signals  # noqa: F401  (subscription and bot caches invalidated on save)
