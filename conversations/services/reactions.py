"""U1: an agent reacts to a customer's message with an emoji (or takes the reaction back).

WhatsApp keeps one reaction per side and message: the business's reaction is the row of
direction "out" on the customer's message (``Reaction``), whoever of the agents set it
last; reacting again replaces it, the empty emoji removes it. Like a message it is
stored first (``queued``) and sent after the commit by a task of its own, not through the
outbox of messages: a reaction is no transcript line, and it has no order to keep.

Sending one twice is harmless (WhatsApp sets the same emoji again), so unlike a message
a send whose answer was lost is simply sent again: a claim abandoned by a crashed worker
is queued again by the sweep, a retryable failure waits its backoff, and only a final
failure is shown on the message. ``revision`` counts the agent's changes: a send records
its answer only while the row still holds what it sent, so a late answer never undoes a
newer change.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import jobs
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.models import Message, Reaction
from conversations.permissions import user_can_write
from conversations.services.access import interaction_locked
from conversations.services.sending import BACKOFF_CAP_SECONDS, STALE_CLAIM, backoff
from conversations.services.statuses import ERROR_TITLE_MAX, pending_statuses_apply, reaction_announce
from conversations.windows import window_is_open
from waproject.embedded import enqueue, enqueue_on_commit
from whatsapp import payloads
from whatsapp.client import CloudApiClient
from whatsapp.errors import PACING_CODES, CloudApiError, ErrorKind

logger = logging.getLogger(__name__)

S = Message.Status
OUT = Message.Direction.OUTBOUND

#: A reaction is tried at most this many times (about four minutes of backoff), then
#: shown as failed on its message; the agent reacts again to retry.
MAX_REACTION_ATTEMPTS = 8

#: The message types a reaction may go on: what the customer wrote, not notices nor the
#: rows that only change another message.
REACTABLE_TYPES = tuple(
    t
    for t in Message.Type
    if t not in (Message.Type.SYSTEM, Message.Type.REVOKE, Message.Type.EDIT, Message.Type.UNSUPPORTED)
)

SWEEP_BATCH = 100


def emoji_checked(emoji: object) -> str:
    """``emoji`` if it is one emoji or "" (remove), else a DomainError (400) saying so."""
    if not isinstance(emoji, str) or (emoji and not payloads.is_one_emoji(emoji)):
        raise DomainError(_("a reaction is one emoji, or an empty text to remove it"), code="bad_emoji")
    return emoji


def react_to_message(*, user: User, interaction_id: int, message_id: int, emoji: str) -> Reaction | None:
    """Set (or, with ``emoji=""``, remove) the business's reaction to a customer's message
    of the interaction; it leaves after the commit. Returns the reaction row (None when
    there was nothing to remove).

    The rules of a free-form message apply: the interaction's writers only (its owner, a
    conference guest, a supervisor), while it is open and inside the 24-hour window. The
    same emoji again changes nothing (a double click sends once), unless it failed: then
    it is sent again.
    """
    emoji = emoji_checked(emoji)
    with transaction.atomic():
        interaction = interaction_locked(interaction_id, related=("channel",))
        if not user_can_write(user=user, interaction=interaction):
            raise PermissionDenied(
                _(
                    "only the agents writing in this interaction (its owner, a conference guest or a"
                    " supervisor) may react to its messages"
                )
            )
        if not interaction.is_open:
            raise Conflict(
                _("this interaction is done: its messages can no longer be reacted to"), code="closed"
            )
        message = Message.objects.filter(pk=message_id, interaction=interaction).first()
        if message is None:
            raise NotFound(
                _("message %(message_id)s is not a message of interaction %(interaction_id)s")
                % {"message_id": message_id, "interaction_id": interaction.pk}
            )
        target_wamid = _reactable_wamid(message)
        if not window_is_open(interaction):
            raise Conflict(
                _(
                    "the 24-hour customer-service window is closed: a reaction cannot be sent until the customer"
                    " writes again"
                ),
                code="window_closed",
            )
        current = (
            Reaction.objects.select_for_update()
            .filter(channel=interaction.channel, target_wamid=target_wamid, direction=OUT)
            .first()
        )
        if current is not None and current.emoji == emoji and current.status != S.FAILED:
            return current  # the same reaction again: nothing to send
        if current is None and not emoji:
            return None  # no reaction to remove
        reaction = current or Reaction(channel=interaction.channel, target_wamid=target_wamid, direction=OUT)
        reaction.emoji = emoji
        reaction.author = user
        reaction.reacted_at = timezone.now()
        reaction.status = S.QUEUED
        reaction.revision = (reaction.revision or 0) + 1
        reaction.wamid = ""  # the statuses of an earlier send no longer describe this one
        reaction.send_attempts = 0
        reaction.next_attempt_at = None
        reaction.send_claimed_at = None
        reaction.error_code, reaction.error_title = None, ""
        reaction.save()
        reaction_announce(reaction)
        enqueue_on_commit(jobs.REACTION_SEND, reaction.pk)
    return reaction


def _reactable_wamid(message: Message) -> str:
    """The wamid of ``message``, when it may carry our reaction: a customer's message
    WhatsApp knows, still there."""
    if message.direction != Message.Direction.INBOUND or message.type not in REACTABLE_TYPES:
        raise DomainError(_("only the customer's messages can be reacted to"), code="not_reactable")
    if message.revoked_at is not None:
        raise Conflict(_("the customer deleted this message: it cannot be reacted to"), code="revoked")
    if not message.wamid or message.wamid.startswith("erased."):
        raise Conflict(
            _("WhatsApp does not know this message (no message id): it cannot be reacted to"), code="no_wamid"
        )
    return message.wamid


# --- sending ------------------------------------------------------------------------


def reaction_send(*, reaction_id: int, client: CloudApiClient | None = None) -> bool:
    """Send the business's reaction ``reaction_id`` as it stands; True when WhatsApp took it.

    Idempotent: it claims the row (queued → sending) with one conditional UPDATE, so a
    second task for the same row, a reaction already sent or one waiting for its retry
    does nothing.
    """
    now = timezone.now()
    claimed = (
        Reaction.objects.filter(pk=reaction_id, direction=OUT, status=S.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=S.SENDING, send_claimed_at=now, send_attempts=F("send_attempts") + 1)
    )
    if not claimed:
        return False
    reaction = Reaction.objects.select_related("channel").get(pk=reaction_id)
    target = (
        Message.objects.select_related("interaction")
        .filter(channel=reaction.channel, wamid=reaction.target_wamid, direction=Message.Direction.INBOUND)
        .first()
    )
    if target is None:  # erased meanwhile (X4)
        _failed(reaction, code=None, title="The message reacted to is gone")
        return False
    body = payloads.reaction(
        target.interaction.customer_address, message_id=reaction.target_wamid, emoji=reaction.emoji
    )
    owns_client = client is None
    client = client or CloudApiClient.for_channel(reaction.channel)
    try:
        result = client.send(body)
    except CloudApiError as error:
        _record_failure(reaction, error)
        return False
    finally:
        if owns_client:
            client.close()
    with transaction.atomic():
        accepted = Reaction.objects.filter(
            pk=reaction.pk, revision=reaction.revision, status=S.SENDING
        ).update(status=S.ACCEPTED, wamid=result.wamid, send_claimed_at=None, error_code=None, error_title="")
        if accepted:
            pending_statuses_apply(channel=reaction.channel, wamid=result.wamid)
            _announce(reaction.pk)
    return bool(accepted)


def _record_failure(reaction: Reaction, error: CloudApiError) -> None:
    """Retry what may pass later (sending twice is harmless); fail the rest, on the message."""
    attempts = reaction.send_attempts  # read after the claim counted this attempt
    retryable = error.kind == ErrorKind.RETRYABLE or error.code in PACING_CODES or error.may_have_arrived
    if retryable and attempts < MAX_REACTION_ATTEMPTS:
        delay = min(backoff(attempts), BACKOFF_CAP_SECONDS)
        Reaction.objects.filter(pk=reaction.pk, revision=reaction.revision, status=S.SENDING).update(
            status=S.QUEUED,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            send_claimed_at=None,
            error_code=error.code,
            error_title=error.title[:ERROR_TITLE_MAX],
        )
        enqueue(jobs.REACTION_SEND, reaction.pk, countdown=delay)
        logger.info("reaction %s: retry %s in %.1f s after %s", reaction.pk, attempts, delay, error)
        return
    _failed(reaction, code=error.code, title=error.title or str(error))


def _failed(reaction: Reaction, *, code: int | None, title: str) -> None:
    with transaction.atomic():
        failed = Reaction.objects.filter(pk=reaction.pk, revision=reaction.revision, status=S.SENDING).update(
            status=S.FAILED,
            next_attempt_at=None,
            send_claimed_at=None,
            error_code=code,
            error_title=title[:ERROR_TITLE_MAX],
        )
        if failed:
            _announce(reaction.pk)


def _announce(reaction_id: int) -> None:
    reaction_announce(Reaction.objects.select_related("author").get(pk=reaction_id))


def reactions_due_sweep(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Queue again the sends of crashed workers (a claim older than ``STALE_CLAIM``: sending
    again is harmless) and enqueue every reaction whose send or retry is due."""
    stale = Reaction.objects.filter(direction=OUT, status=S.SENDING, send_claimed_at__lte=now - STALE_CLAIM)
    stale.update(status=S.QUEUED, send_claimed_at=None, next_attempt_at=None)
    due = list(
        Reaction.objects.filter(direction=OUT, status=S.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for reaction_id in due:
        enqueue(jobs.REACTION_SEND, reaction_id)
    return len(due)
