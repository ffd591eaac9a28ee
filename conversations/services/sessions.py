"""Outbound sessions: start a WhatsApp conversation with a template (O3, O5).

Only a template may open a conversation (WhatsApp's 24-hour rule), so every outbound
session starts by sending one. An agent starting it from the contact directory or their
history (O3) owns the new interaction at once. An integrator's invitation (O5, the
"strategy" path) leaves it waiting, without an owner, until the customer answers; their
answer then routes it to an available agent like any new conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from conversations import events
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.models import AgentProfile, Channel, Interaction, Message
from conversations.options import get_option
from conversations.selectors.channels import channel_for_sending
from conversations.selectors.contacts import contact_list
from conversations.services.capacity import agent_profile_for
from conversations.services.contacts import contact_address_in_use, contact_resolve
from conversations.services.outbound import message_queue
from templates_app.models import MessageTemplate
from templates_app.services import template_message_spec
from whatsapp.records import SenderProfile

#: A number in international form as people type it ("+49 151 1234-5678", "(+972) 98-765-4321"):
#: 7 to 15 ASCII digits, the first not 0, an optional leading +, spaces, dashes and
#: parentheses between them. The API schema states this very pattern for ``phone``.
PHONE_PATTERN = r"^[ ()-]*(\+[ ()-]*)?[1-9]([ ()-]*[0-9]){6,14}[ ()-]*$"


@dataclass
class StartedSession:
    interaction: Interaction
    message: Message


def _wa_id(phone: str) -> str:
    if not re.fullmatch(PHONE_PATTERN, phone or ""):
        raise DomainError(
            gettext("%(phone)s is not a phone number in international form (e.g. +4915112345678)")
            % {"phone": repr(phone)},
            code="bad_phone",
        )
    return re.sub(r"[^0-9]", "", phone)


def outbound_session_start(
    *,
    user: User,
    template_id: int,
    parameters: dict[str, Any] | None = None,
    contact_id: int | None = None,
    phone: str = "",
    channel_id: int | None = None,
    queue_id: int | None = None,
    assign_to_me: bool = True,
    case_data: dict[str, Any] | None = None,
    attachment_id: int | None = None,
) -> StartedSession:
    """Open a conversation with a template.

    ``assign_to_me``: O3, the agent owns the interaction at once (their capacity allows it);
    otherwise O5, it waits for the customer's answer and is then routed (``queue_id``, else
    the number's default queue). Needs the permission to start outbound sessions.
    """
    if not user.has_perm("conversations.start_outbound_session"):
        raise PermissionDenied(gettext("starting WhatsApp conversations needs the permission to do so"))
    channel = channel_for_sending(channel_id=channel_id)
    with transaction.atomic():
        if contact_id is not None:
            # P6: a contact the caller may see (the directory, or their own conversations').
            contact = contact_list(user=user).filter(pk=contact_id).first()
            if contact is None:
                raise NotFound(
                    gettext("contact %(contact_id)s does not exist or is not yours to see")
                    % {"contact_id": contact_id}
                )
            if not (contact.wa_id or contact.user_id):
                raise DomainError(gettext("this contact has no WhatsApp number"), code="bad_phone")
            address = contact_address_in_use(contact=contact)
        else:
            wa_id = _wa_id(phone)
            # The number typed is the one to write to, even when it is a merged alias of a
            # known contact (R8): the conversation belongs to the contact, the message
            # goes to that number.
            contact = contact_resolve(sender=SenderProfile(wa_id=wa_id, user_id=None))
            address = (wa_id, "")
        open_one = Interaction.objects.filter(
            contact=contact, channel=channel, state__in=Interaction.OPEN_STATES
        ).first()
        if open_one is not None:
            raise Conflict(
                gettext(
                    "this customer already has an open conversation on this number (interaction %(interaction_id)s)"
                )
                % {"interaction_id": open_one.pk},
                code="interaction_open",
                interaction_id=open_one.pk,
            )
        spec = template_message_spec(
            user=user,
            channel=channel,
            template_id=template_id,
            parameters=parameters,
            attachment_id=attachment_id,
        )
        if spec.type != Message.Type.TEMPLATE:
            raise DomainError(
                gettext("a conversation can only be opened with a notification template"), code="not_template"
            )
        now = timezone.now()
        interaction = Interaction(
            contact=contact,
            channel=channel,
            origin=Interaction.Origin.OUTBOUND,
            queue_id=queue_id or channel.default_queue_id,
            queued_at=now,
            case_data=case_data or {},
            customer_wa_id=address[0],
            customer_user_id=address[1],
        )
        if assign_to_me:
            profile = agent_profile_for(user)  # only an agent takes the conversation
            if not AgentProfile.objects.filter(pk=profile.pk, load__lt=F("capacity")).update(
                load=F("load") + 1
            ):
                raise Conflict(
                    gettext("you are at your capacity (%(capacity)s): finish a conversation first")
                    % {"capacity": profile.capacity},
                    code="at_capacity",
                )
            interaction.state, interaction.owner, interaction.accepted_at = (
                Interaction.State.ACTIVE,
                user,
                now,
            )
        else:
            interaction.state = Interaction.State.PARKED  # waits for the customer's answer
        interaction.save()
        message = message_queue(user=user, interaction=interaction, spec=spec)
        if assign_to_me:
            events.interaction_assigned(interaction=interaction)
            events.agent_state_changed(user_id=user.pk)
    return StartedSession(interaction=interaction, message=message)


# --- O4: from an interaction of another media --------------------------------------------------

OUTBOUND_CONFIG_OPTION = "whatsappsession.outbound-session-config"


def outbound_config(*, user: User) -> dict[str, str]:
    """``whatsappsession.outbound-session-config``: ``channel=<phone_number_id>;
    template=<name>;language=<code>`` (the template gets the agent's text, if any, as {{1}})."""
    raw = get_option(OUTBOUND_CONFIG_OPTION, agent_id=user.pk) or ""
    config = {}
    for part in re.split(r"[;,]", raw):
        key, _, value = part.partition("=")
        if key.strip() and value.strip():
            config[key.strip().lower()] = value.strip()
    return config


def outbound_session_from_other_media(
    *,
    user: User,
    phone: str,
    source_media: str,
    source_id: str = "",
    parameters: dict[str, Any] | None = None,
    case_data: dict[str, Any] | None = None,
    assign_to_me: bool = True,
) -> StartedSession:
    """O4: a customer met on another media (a call, an SMS…) continues on WhatsApp.

    The number and template come from ``whatsappsession.outbound-session-config``; the
    new interaction's case information records where it came from. Needs the permission
    "Can start WhatsApp conversations from other media" on top of the outbound one.
    """
    if not user.has_perm("conversations.start_outbound_from_other_media"):
        raise PermissionDenied(
            gettext("starting WhatsApp conversations from other media needs the permission to do so")
        )
    config = outbound_config(user=user)
    if "template" not in config:
        raise Conflict(
            gettext(
                "the option %(option)s is not configured (e.g. channel=<phone number id>;template=<name>)"
            )
            % {"option": OUTBOUND_CONFIG_OPTION},
            code="not_configured",
        )
    channel = Channel.objects.filter(is_active=True, phone_number_id=config.get("channel", "")).first()
    if channel is None and "channel" in config:
        raise Conflict(
            gettext("%(option)s names an unknown number %(number)s")
            % {"option": OUTBOUND_CONFIG_OPTION, "number": repr(config["channel"])},
            code="not_configured",
        )
    template = MessageTemplate.objects.filter(
        name=config["template"], language=config.get("language", "en_US")
    ).first()
    if template is None:
        raise Conflict(
            gettext("%(option)s names an unknown template %(template)s")
            % {"option": OUTBOUND_CONFIG_OPTION, "template": repr(config["template"])},
            code="not_configured",
        )
    return outbound_session_start(
        user=user,
        template_id=template.pk,
        parameters=parameters,
        phone=phone,
        channel_id=channel.pk if channel else None,
        assign_to_me=assign_to_me,
        case_data={**(case_data or {}), "source_media": source_media, "source_id": source_id},
    )
