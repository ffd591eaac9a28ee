from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """Channels, contacts, interactions, messages, routing and the Cloud API wire."""

    name = "conversations"
    verbose_name = "Conversations"
