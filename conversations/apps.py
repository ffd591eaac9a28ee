from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.utils.translation import gettext_lazy as _

from waproject.i18n import translate_derived_labels

# U4: before this app's models load (waproject/i18n.py).
translate_derived_labels()


class ConversationsConfig(AppConfig):
    """Channels, contacts, interactions, messages, routing and their services."""

    name = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        # Lazy by Django's rule: this module is imported while the app registry loads, and
        # the services import models, which may only be imported once it is ready.
        from conversations import checks  # noqa: F401  (registers the deployment checks)
        from conversations.services.signout import agent_logged_out

        def on_logout(sender, request, user, **kwargs):  # Django's only hook for a logout
            if user is not None:
                session = getattr(request, "session", None)
                agent_logged_out(user=user, session_key=getattr(session, "session_key", None))

        user_logged_out.connect(on_logout, dispatch_uid="conversations.agent_logged_out", weak=False)
