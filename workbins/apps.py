from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from waproject.i18n import translate_derived_labels

# U4: before this app's models load (waproject/i18n.py).
translate_derived_labels()


class WorkbinsConfig(AppConfig):
    """Personal and group workbins where interactions wait with their session alive."""

    name = "workbins"
    verbose_name = _("Workbins")
