from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from waproject.i18n import translate_derived_labels

# U4: before this app's models load (waproject/i18n.py).
translate_derived_labels()


class FlowsConfig(AppConfig):
    """Entry flows (B1): the automated first part of an inbound conversation, configured in
    the admin per number (greeting, business hours and holidays, a triage menu, validated
    questions), run by the services on the customer's messages and by a swept timer. Its
    own app: the inbound service calls two small hooks (``flows.engine``)."""

    name = "flows"
    verbose_name = _("Entry flows")

    def ready(self) -> None:
        # Lazy by Django's rule: the signal handlers' module imports models.
        from flows import signals  # noqa: F401  (the flows snapshot is invalidated on save)
