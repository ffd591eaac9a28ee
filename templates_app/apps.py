from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from waproject.i18n import translate_derived_labels

# U4: before this app's models load (waproject/i18n.py).
translate_derived_labels()


class TemplatesAppConfig(AppConfig):
    """Standard responses and WhatsApp message templates, kept by content managers."""

    name = "templates_app"
    verbose_name = _("Responses and templates")
