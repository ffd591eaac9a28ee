from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from waproject.i18n import translate_derived_labels

# U4: before this app's models load (waproject/i18n.py).
translate_derived_labels()


class SurveysConfig(AppConfig):
    """The customer's care around the agent (issue 15): word to a customer who waits in a
    queue (B2: position and expected wait, abandonment) and a satisfaction survey after
    Done (B3). Its own app: the conversations' services call two small hooks (Done, the
    inbound slow path) and the beat runs its sweep; configuration, answers and their
    reading live here."""

    name = "surveys"
    verbose_name = _("Waiting notices and surveys")
