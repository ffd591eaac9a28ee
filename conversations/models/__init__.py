"""The conversations app's models, one module per domain, re-exported here."""

from .channels import Channel
from .contacts import Contact
from .interactions import ConsultationMessage, Interaction, InteractionNote, InteractionParticipant
from .messages import Attachment, Message, PendingStatus, Reaction
from .options import BusinessAttribute, BusinessAttributeValue, OptionValue
from .revisions import PendingRevision
from .routing import AgentGroup, AgentProfile, Offer, Queue, Skill
from .webhooks import WebhookEvent

__all__ = [
    "AgentGroup",
    "AgentProfile",
    "Attachment",
    "BusinessAttribute",
    "BusinessAttributeValue",
    "Channel",
    "ConsultationMessage",
    "Contact",
    "Interaction",
    "InteractionNote",
    "InteractionParticipant",
    "Message",
    "Offer",
    "OptionValue",
    "PendingRevision",
    "PendingStatus",
    "Queue",
    "Reaction",
    "Skill",
    "WebhookEvent",
]
