"""Reads of messages: transcript pages by keyset, the catch-up after a reconnect, files.

Every console read costs a fixed number of queries whatever the history size: pages
are keyset pages over the ``(contact, origination_at, id)`` index, and what a page
shows beside its messages (reactions, quoted messages, attachments, interaction starts)
is fetched with one query per kind for the whole page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from conversations import payloads
from conversations.exceptions import DomainError, NotFound
from conversations.models import AgentProfile, Attachment, Interaction, Message, Reaction
from conversations.options import get_option
from conversations.permissions import user_is_supervisor
from conversations.selectors.interactions import interaction_list_for_user

PAGE_SIZE = 50

#: Rows that only change another message (shown on it), not transcript lines.
HIDDEN_TYPES = (Message.Type.REVOKE, Message.Type.EDIT)


def messages_payload(messages: list[Message]) -> list[payloads.Message]:
    """The console's MESSAGE shape for a page: three queries whatever the page holds."""
    wamids = [m.wamid for m in messages if m.wamid]
    reactions: dict[str, list[payloads.Reaction]] = {}
    if wamids:
        shown = Q(target_wamid__in=wamids) & (~Q(emoji="") | Q(status=Message.Status.FAILED))
        for reaction in Reaction.objects.filter(shown).select_related("author"):
            reactions.setdefault(reaction.target_wamid, []).append(payloads.reaction_payload(reaction))
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
                gettext("the 'before' cursor is malformed; use the value the last page returned"),
                code="bad_cursor",
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


def _transcript_settings(user: User) -> tuple[int | None, bool]:
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


def transcript_page(
    *, user: User, interaction: Interaction, before: str | None = None
) -> payloads.TranscriptPage:
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
        str(i.pk): payloads.transcript_session(i)
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
    *, user: User, interaction: Interaction, after_id: int, refresh_ids: list[int]
) -> payloads.CatchUp:
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


def interaction_message_get(*, interaction: Interaction, message_id: int) -> Message:
    """A message of ``interaction`` (the caller checked who sees it), with what its payload
    shows, or NotFound."""
    message = _with_joins(Message.objects.filter(interaction=interaction, pk=message_id)).first()
    if message is None:
        raise NotFound(
            gettext("message %(message_id)s is not a message of interaction %(interaction_id)s")
            % {"message_id": message_id, "interaction_id": interaction.pk}
        )
    return message


def attachment_get_for_user(*, user: User, attachment_id: int) -> Attachment:
    """An agent may open the files of conversations they can see, and their own uploads."""
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(
            gettext("attachment %(attachment_id)s does not exist") % {"attachment_id": attachment_id}
        )
    if user_is_supervisor(user) or attachment.uploaded_by_id == user.pk:
        return attachment
    message = attachment.message
    if message is not None:
        visible = interaction_list_for_user(user=user).filter(contact_id=message.contact_id)
        if visible.exists():
            return attachment
    raise NotFound(
        gettext("attachment %(attachment_id)s does not exist or is not yours")
        % {"attachment_id": attachment_id}
    )
