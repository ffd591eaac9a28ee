from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """Channels, contacts, interactions, messages, routing and the Cloud API wire."""

    name = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from conversations import checks  # noqa: F401  (registers the deployment checks)
        from conversations.services.routing import agent_logged_out

        def on_logout(sender, request, user, **kwargs):  # Django's only hook for a logout
            if user is not None:
                session = getattr(request, "session", None)
                agent_logged_out(user=user, session_key=getattr(session, "session_key", None))

        user_logged_out.connect(on_logout, dispatch_uid="conversations.agent_logged_out", weak=False)
