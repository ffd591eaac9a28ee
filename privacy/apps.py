from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Retention and privacy (X4): purge raw webhook bodies and media files after their
    periods; erase or export one contact's data. Its own app: it reads and writes the
    conversations models through one service module, so the domain code carries only the
    hooks (an attachment's "deleted" notice, the contact admin's actions)."""

    name = "privacy"
    verbose_name = _("Privacy")
