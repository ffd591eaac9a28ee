from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from waproject.i18n import translate_derived_labels

# U4: before this app's models load (waproject/i18n.py).
translate_derived_labels()


class AuditConfig(AppConfig):
    """The audit log (X5): who did what to which object, when, from which address.

    Its own app with one small entry point, :func:`audit.services.audit_record`, that
    every other app calls (privacy's erasure and export, the supervision features to
    come); it hooks the admin's change log and permission changes itself (``signals``)."""

    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        # Lazy, Django's rule: the receivers import models, which load only once the app
        # registry is ready.
        from audit import signals

        signals.connect()
