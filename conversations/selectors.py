"""Permission-scoped reads (STYLE § B): what a user may see, with the joins it needs.

Every console read costs a fixed number of queries whatever the history size: pages
are keyset pages over the ``(contact, origination_at, id)`` index, and what a page
shows beside its messages (reactions, quoted messages, attachments, interaction starts)
is fetched with one query per kind for the whole page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from conversations import payloads
from conversations.exceptions import DomainError, NotFound
from conversations.models import (
    AgentProfile,
    Attachment,
    BusinessAttributeValue,
    Contact,
    Interaction,
    InteractionNote,
    InteractionParticipant,
    Message,
    Offer,
    Reaction,
)
from conversations.options import get_option
from conversations.permissions import (
    interaction_actions,
    joined_participants,
    user_can_browse_directory,
    user_is_supervisor,
    viewer_part,
)

PAGE_SIZE = 50
#: Rows that only change another message (shown on it), not transcript lines.
HIDDEN_TYPES = (Message.Type.REVOKE, Message.Type.EDIT)


# --- interactions ------------------------------------------------------------------------


def interaction_list_for_user(*, user: Any) -> QuerySet[Interaction]:
    """Supervisors see every interaction; an agent, those they own, are offered, or can
    open from their workbins (P6)."""
    queryset = Interaction.objects.select_related("contact", "channel", "owner", "queue")
    if user_is_supervisor(user):
        return queryset
    from workbins.services import workbins_accessible

    offered = Offer.objects.filter(agent=user, state=Offer.State.PENDING).values("interaction_id")
    parked = workbins_accessible(user=user).filter(items__isnull=False).values("items__interaction_id")
    joined = InteractionParticipant.objects.filter(
        agent=user, state=InteractionParticipant.State.JOINED
    ).values("interaction_id")
    return queryset.filter(Q(owner=user) | Q(pk__in=offered) | Q(pk__in=parked) | Q(pk__in=joined))


def interaction_get_for_user(*, user: Any, interaction_id: int) -> Interaction:
    interaction = interaction_list_for_user(user=user).filter(pk=interaction_id).first()
    if interaction is None:
        raise NotFound(f"interaction {interaction_id} does not exist or is not yours")
    return interaction


def interaction_viewer_payload(
    *,
    user: Any,
    interaction: Any,
    joined: list[tuple[int, str]] | None = None,
    conferences: bool | None = None,
) -> payloads.Viewer:
    """What ``user`` may do with the interaction (``actions``) and their part in it, for
    labels (``part``): the console shows exactly these (DESIGN invariant 8)."""
    if joined is None:
        joined = joined_participants([interaction.pk])[interaction.pk]
    return {
        "actions": interaction_actions(user, interaction, joined=joined, conferences=conferences),
        "part": viewer_part(user, interaction, joined=joined),
    }


def interaction_viewer(*, user: Any, interaction_id: int) -> payloads.Viewer | dict[str, Any]:
    """``interaction_viewer_payload`` by id (the console socket adds it to the frames that
    change it); empty when the interaction is gone."""
    interaction = (
        Interaction.objects.filter(pk=interaction_id).only("pk", "state", "owner_id", "contact_id").first()
    )
    return interaction_viewer_payload(user=user, interaction=interaction) if interaction else {}


def interaction_summary(
    interaction: Interaction, *, user: Any = None, **viewer: Any
) -> payloads.InteractionSummary:
    """INTERACTION_SUMMARY; for a ``user``, with what they may do with it (``viewer``: the
    participants or the conference switch when the caller already read them)."""
    return payloads.interaction_summary_payload(
        interaction,
        viewer=interaction_viewer_payload(user=user, interaction=interaction, **viewer) if user else None,
    )


def interaction_detail(interaction: Interaction, *, user: Any) -> payloads.InteractionDetail:
    """INTERACTION: the summary, case information, notes, participants, and what ``user``
    may do with it."""
    notes = list(InteractionNote.objects.filter(interaction=interaction).select_related("author"))
    participants = participants_payload(interaction.pk)
    joined = [(p["agent_id"], p["kind"]) for p in participants if p["state"] == "joined"]
    return payloads.interaction_detail_payload(
        interaction,
        viewer=interaction_viewer_payload(user=user, interaction=interaction, joined=joined),
        notes=notes,
        participants=participants,
    )


def participants_payload(interaction_id: int) -> list[payloads.Participant]:
    """The agents invited to or in the conversation besides its owner (one query)."""
    return [
        payloads.participant_payload(p)
        for p in InteractionParticipant.objects.filter(
            interaction_id=interaction_id, state__in=["invited", "joined"]
        ).select_related("agent")
    ]


#: W8: the emoji picker's set when ``whatsappsession.emojis-business-attribute`` names none.
DEFAULT_EMOJIS = ["😀", "😊", "🙂", "😉", "😍", "🙏", "👍", "👌", "👏", "🎉", "❤️", "✅", "📦", "⏰", "🚚", "💬", "🤔", "😢"]  # fmt: skip


def console_emojis(*, options: dict[str, Any]) -> list[str]:
    """W8: the values of the business attribute the options name, else the default set."""
    attribute = options.get("whatsappsession.emojis-business-attribute") or ""
    if not attribute:
        return list(DEFAULT_EMOJIS)
    emojis = list(
        BusinessAttributeValue.objects.filter(attribute__name=attribute)
        .order_by("sort_order", "id")
        .values_list("name", flat=True)
    )
    return emojis or list(DEFAULT_EMOJIS)


def agent_snapshot(*, user: Any) -> dict[str, Any]:
    """Everything the console needs to (re)build its state: the page's bootstrap and the
    periodic resync. What options decide (the emoji set, the disposition codes, the map
    template) is here too, so that a change reaches open consoles without a reload."""
    from conversations.options import options_for
    from conversations.services.collaboration import conferences_enabled
    from conversations.services.interactions import disposition_codes
    from conversations.services.routing import agent_profile_for

    profile = agent_profile_for(user)
    offers = (
        Offer.objects.filter(agent=user, state=Offer.State.PENDING)
        .select_related("interaction__contact", "interaction__queue", "interaction__handoff_by")
        .order_by("created_at")
    )
    guest_of = InteractionParticipant.objects.filter(
        agent=user, kind=InteractionParticipant.Kind.CONFERENCE, state=InteractionParticipant.State.JOINED
    ).values("interaction_id")
    interactions = (
        Interaction.objects.filter(Q(owner=user) | Q(pk__in=guest_of), state=Interaction.State.ACTIVE)
        .select_related("contact")
        .order_by("accepted_at", "id")
    )
    P = InteractionParticipant
    invitations = P.objects.filter(
        agent=user, kind=P.Kind.CONFERENCE, state=P.State.INVITED, interaction__state=Interaction.State.ACTIVE
    ).select_related("interaction__contact", "invited_by")
    consulted = (
        Interaction.objects.filter(
            state=Interaction.State.ACTIVE,
            participants__agent=user,
            participants__kind=P.Kind.CONSULTATION,
            participants__state=P.State.JOINED,
        )
        .select_related("contact")
        .distinct()
    )
    options = options_for(agent_id=user.pk, group_id=profile.group_id)
    interactions, invitations, consulted = list(interactions), list(invitations), list(consulted)
    # What the agent may do with each: the participants of all in one query, the conference
    # switch read once.
    shown = [*interactions, *consulted]
    joined = joined_participants(i.pk for i in shown)
    conferences = conferences_enabled() if shown else False

    def summary(interaction: Interaction) -> dict[str, Any]:
        return interaction_summary(
            interaction, user=user, joined=joined[interaction.pk], conferences=conferences
        )

    return {
        "agent": payloads.agent_payload(profile),
        "options": options,
        "emojis": console_emojis(options=options),
        "dispositions": [{"code": c, "label": label} for c, label in disposition_codes(user=user).items()],
        "map_url_template": options.get("whatsappsession.location-map-url-template") or "",
        "offers": [offer_payload(offer) for offer in offers],
        "interactions": [summary(i) for i in interactions],
        "invitations": [
            {
                "invitation_id": invitation.pk,
                "inviter": payloads.user_name(invitation.invited_by),
                "interaction": interaction_summary(invitation.interaction),
            }
            for invitation in invitations
        ],
        "consultations": [summary(i) for i in consulted],
    }


def offer_payload(offer: Offer) -> payloads.Offer:
    """OFFER, with the customer's first and latest message (two queries)."""
    customer = Message.objects.filter(
        interaction_id=offer.interaction_id, direction=Message.Direction.INBOUND
    ).exclude(type__in=HIDDEN_TYPES)
    first = customer.order_by("origination_at", "id").first()
    latest = customer.order_by("-origination_at", "-id").first()
    return payloads.offer_payload(offer, first=first, latest=latest)


# --- contacts ------------------------------------------------------------------------------


def contact_list(*, user: Any, search: str = "") -> QuerySet[Contact]:
    """The contacts ``user`` may read (merged aliases left out: their contact stands for
    them): the whole directory with "Can browse the contact directory" (supervisors too),
    else only the contacts of the interactions they may see (P6)."""
    queryset = Contact.objects.filter(merged_into__isnull=True)
    if not user_can_browse_directory(user):
        queryset = queryset.filter(pk__in=interaction_list_for_user(user=user).values("contact_id"))
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        lookup = Q(name__icontains=search) | Q(profile_name__icontains=search) | Q(email__icontains=search)
        if digits:
            lookup |= Q(wa_id__contains=digits) | Q(phone__contains=digits)
        queryset = queryset.filter(lookup)
    return queryset


def contact_get_for_user(*, user: Any, contact_id: int) -> Contact:
    contact = contact_list(user=user).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(f"contact {contact_id} does not exist or is not yours to see")
    return contact


def contact_history_visible_ids(*, user: Any, contact_ids: Iterable[int]) -> set[int]:
    """THE rule of who may open a contact's history (W11), for many contacts at once (one
    query whatever their number): supervisors see every history; an agent, the history of
    a contact whose interactions they may see now (own, are offered, are invited to, can
    open from a workbin): an expired or withdrawn offer is no link. The directory
    permission shows contacts' details, not their history: that lists other agents' work
    with its dispositions and Done notes. The history endpoint and every payload that offers
    "History" (the directory's) ask this, through :func:`can_view_contact_history` or
    directly: change the rule here only."""
    ids = set(contact_ids)
    if not ids or user_is_supervisor(user):
        return ids
    visible = interaction_list_for_user(user=user).filter(contact_id__in=ids)
    return set(visible.values_list("contact_id", flat=True))


def can_view_contact_history(*, user: Any, contact_id: int) -> bool:
    """May ``user`` open this contact's history? (:func:`contact_history_visible_ids`)"""
    return contact_id in contact_history_visible_ids(user=user, contact_ids=[contact_id])


def contact_history(*, contact_id: int) -> list[payloads.InteractionHistoryEntry]:
    """W11: every interaction of the contact, on every channel, newest first."""
    interactions = (
        Interaction.objects.filter(contact_id=contact_id)
        .select_related("channel", "owner", "queue")
        .order_by("-created_at", "-id")
    )
    return [payloads.interaction_history_entry(i) for i in interactions]


# --- messages --------------------------------------------------------------------------------


def message_list_for_interaction(*, interaction: Interaction) -> QuerySet[Message]:
    return (
        Message.objects.filter(interaction=interaction)
        .select_related("attachment")
        .order_by("origination_at", "id")
    )


def messages_payload(messages: list[Message]) -> list[payloads.Message]:
    """The console's MESSAGE shape for a page: three queries whatever the page holds."""
    wamids = [m.wamid for m in messages if m.wamid]
    reactions: dict[str, list[payloads.Reaction]] = {}
    if wamids:
        for reaction in Reaction.objects.filter(target_wamid__in=wamids).exclude(emoji=""):
            reactions.setdefault(reaction.target_wamid, []).append(
                {"direction": reaction.direction, "emoji": reaction.emoji}
            )
    quoted_wamids = {m.context_wamid for m in messages if m.context_wamid}
    quoted: dict[str | None, payloads.Quoted] = {}
    if quoted_wamids:
        quoted = {
            q.wamid: payloads.quoted_payload(q)
            for q in Message.objects.filter(wamid__in=quoted_wamids).only(
                "pk", "wamid", "body", "direction", "type", "content"
            )
        }
    return [
        payloads.message_full_payload(
            message,
            attachment=getattr(message, "attachment", None),
            reactions=reactions.get(message.wamid or "", []),
            quoted=quoted.get(message.context_wamid) if message.context_wamid else None,
        )
        for message in messages
    ]


def _with_joins(queryset: QuerySet[Message]) -> QuerySet[Message]:
    return queryset.select_related("attachment", "author").exclude(type__in=HIDDEN_TYPES)


#: A cursor's id: ASCII digits (``str.isdigit`` accepts "²", which ``int`` refuses) up to
#: the database's largest id.
_CURSOR_ID = re.compile(r"[0-9]{1,19}")
MAX_CURSOR_ID = 2**63 - 1


#: Cursors as ``Cursor.encode`` writes them, in a form every match of which ``decode``
#: accepts (the API schema states it): an ISO date and time, years 1000-8999 and days up
#: to the 28th (so that any offset stays a real date), then "|" and an id.
CURSOR_PATTERN = (
    r"^[1-8][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?\|[1-9][0-9]{0,17}$"
)


@dataclass(frozen=True)
class Cursor:
    """A keyset position: the (origination_at, id) of the oldest message shown."""

    at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}|{self.id}"

    @classmethod
    def decode(cls, value: str) -> Cursor:
        """The cursor ``value`` names, or a 400 ``bad_cursor``: the client may send anything,
        and a bad date, a non-ASCII digit or an id beyond the database's range must not
        reach the query (each was a 500)."""
        at_text, _, id_text = value.rpartition("|")
        try:
            at = parse_datetime(at_text) if at_text else None
            if at is not None:
                # Naive means UTC; the comparison is made in UTC, which must exist.
                at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        except (ValueError, OverflowError):
            at = None
        if at is None or not _CURSOR_ID.fullmatch(id_text) or int(id_text) > MAX_CURSOR_ID:
            raise DomainError(
                "the 'before' cursor is malformed; use the value the last page returned", code="bad_cursor"
            )
        return cls(at=at, id=int(id_text))


def _before(queryset: QuerySet[Message], at: datetime, pk: int) -> QuerySet[Message]:
    """Messages before (at, pk) in transcript order, as ONE row-value comparison.

    ``(origination_at, id) < (%s, %s)`` lets the database walk the
    (contact, origination_at, id) index from the cursor; the equivalent
    ``a < x OR (a = x AND b < y)`` made PostgreSQL scan from the newest message down,
    so a deep page of a long history cost as much as the history.
    """
    qn = connection.ops.quote_name
    table = qn(Message._meta.db_table)
    return queryset.extra(
        where=[f"({table}.{qn('origination_at')}, {table}.{qn('id')}) < (%s, %s)"],
        params=[connection.ops.adapt_datetimefield_value(at), pk],
    )


def _transcript_settings(user: Any) -> tuple[int | None, bool]:
    """The agent's group and whether their transcript shows every channel (one query)."""
    profile = AgentProfile.objects.filter(user=user).only("group_id").first()
    group_id = profile.group_id if profile else None
    cross_channel = get_option(
        "whatsappsession.show-cross-channel-messages", agent_id=user.pk, group_id=group_id
    )
    return group_id, bool(cross_channel)


def _transcript_scope(interaction: Interaction, *, cross_channel: bool) -> QuerySet[Message]:
    """The messages a transcript around ``interaction`` may show: the contact's, on the
    interaction's channel only unless ``cross_channel``."""
    scope = Message.objects.filter(contact_id=interaction.contact_id)
    if not cross_channel:
        scope = scope.filter(channel_id=interaction.channel_id)
    return scope


def transcript_page(*, user: Any, interaction: Interaction, before: str | None = None) -> dict[str, Any]:
    """W3: the contact's transcript around ``interaction``, newest last.

    The first page holds the current interaction and the last
    ``transcript-interactions-count`` earlier ones (newest ``PAGE_SIZE`` messages of
    them); ``older`` pages reach further back by keyset ("see older messages…"). Only
    the current channel's messages unless ``show-cross-channel-messages``.
    """
    group_id, cross_channel = _transcript_settings(user)
    scope = _transcript_scope(interaction, cross_channel=cross_channel)
    cursor: Cursor | None = None
    if before is not None:
        cursor = Cursor.decode(before)
        scope = _before(scope, cursor.at, cursor.id)
    else:
        count = get_option(
            "whatsappsession.transcript-interactions-count", agent_id=user.pk, group_id=group_id
        )
        earlier = Interaction.objects.filter(
            contact_id=interaction.contact_id, created_at__lt=interaction.created_at
        )
        if not cross_channel:
            earlier = earlier.filter(channel_id=interaction.channel_id)
        shown = [interaction.pk, *earlier.order_by("-created_at").values_list("pk", flat=True)[:count]]
        scope = scope.filter(interaction_id__in=shown)
    page = list(_with_joins(scope).order_by("-origination_at", "-id")[:PAGE_SIZE])[::-1]
    # Is there anything older than this page, anywhere in the contact's history (in scope)?
    # One EXISTS on the index, the same query for every page. Older than the page's oldest
    # message; an empty first page (a conversation without messages yet, no earlier
    # conversation shown) looks before the conversation's start, so earlier history is
    # still offered.
    if page:
        position = Cursor(page[0].origination_at, page[0].pk)
    elif cursor is None:
        position = Cursor(interaction.created_at, 0)
    else:
        position = cursor
    older_scope = _transcript_scope(interaction, cross_channel=cross_channel).exclude(type__in=HIDDEN_TYPES)
    older_scope = _before(older_scope, position.at, position.id)
    has_more = older_scope.exists()
    interaction_ids = {m.interaction_id for m in page}
    sessions = {
        i.pk: payloads.transcript_session(i)
        for i in Interaction.objects.filter(pk__in=interaction_ids).only(
            "pk", "created_at", "channel_id", "state"
        )
    }
    return {
        "messages": messages_payload(page),
        "older": position.encode() if has_more else None,
        "interactions": sessions,
    }


#: At most this many messages are caught up, or refreshed by id, per request.
CATCH_UP_LIMIT = 500
REFRESH_LIMIT = 200


def messages_catch_up(
    *, user: Any, interaction: Interaction, after_id: int, refresh_ids: list[int]
) -> dict[str, list[dict[str, Any]]]:
    """The catch-up: new messages (id above ``after_id``) and, again, messages already
    shown (``refresh_ids``) whose state may have changed while frames were lost (status,
    reactions, edits and deletes, a finished download). No message records when it last
    changed, so the console names the ones it wants to check: its unsettled outbound
    messages and its recent tail.

    Fixed cost: the new messages, the refreshed ones and one query per kind of detail for
    both together. A refreshed id outside the transcript's scope is left out.
    """
    new = list(
        _with_joins(Message.objects.filter(interaction=interaction, id__gt=after_id)).order_by("id")[
            :CATCH_UP_LIMIT
        ]
    )
    refreshed: list[Message] = []
    if refresh_ids:
        _, cross_channel = _transcript_settings(user)
        scope = _transcript_scope(interaction, cross_channel=cross_channel)
        refreshed = list(_with_joins(scope.filter(pk__in=refresh_ids[:REFRESH_LIMIT])).order_by("id"))
    payloads = messages_payload(new + refreshed)
    return {"messages": payloads[: len(new)], "refreshed": payloads[len(new) :]}


def attachment_get_for_user(*, user: Any, attachment_id: int) -> Attachment:
    """An agent may open the files of conversations they can see, and their own uploads."""
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} does not exist")
    if user_is_supervisor(user) or attachment.uploaded_by_id == user.pk:
        return attachment
    message = attachment.message
    if message is not None:
        visible = interaction_list_for_user(user=user).filter(contact_id=message.contact_id)
        if visible.exists():
            return attachment
    raise NotFound(f"attachment {attachment_id} does not exist or is not yours")
