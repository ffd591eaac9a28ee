"""B2 While waiting and B3 After Done: every write of the surveys app.

B2. A queue whose care is on (``QueueCare``: waiting notices, or an abandonment timeout)
gets a timer on each of its waiting interactions (``Interaction.waiting_due_at``, DESIGN
invariant 4). The sweep arms it for waiting interactions that have none (whatever put
them in the queue: a first message, a transfer, a bot's hand-off, a workbin's release)
and fires what is due: a notice with the customer's position and the expected wait at
each ``waiting_interval_minutes`` after they joined the queue (only inside the 24-hour
window; the automated message is marked so), or the abandonment. A timer firing on an
interaction no longer waiting (accepted, closed) is simply cleared.

Abandoned, precisely: the interaction waits (queued or offered, never accepted by an
agent) in a queue with ``abandon_after_minutes`` set, and either the customer has written
nothing for that long (since their latest message, or since joining the queue) or their
24-hour window has closed. It is closed with the disposition ``abandoned``, counted in the
reports (``Kind.ABANDONED``) and, like every interaction closed unaccepted, in the board's
``abandoned_today``.

B3. After Done (``conversations.services.done``), a queue with its survey on asks the
customer, inside the window and unless the contact was surveyed less than
``survey_min_days`` ago, with reply buttons (up to 3 choices) or a list (4 to 10) whose
ids name the survey (``survey:<id>:<score>``). The interaction is closed by then, so the
inbound path hands us the customer's messages first (:func:`survey_replies_take`): a
survey reply, and the next text while a comment is pending, are stored in the surveyed
interaction (not in a new one) and recorded once (the message's wamid is unique: a
redelivered webhook inserts nothing and records nothing).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations import events, jobs
from conversations.db import insert_ignore_returning
from conversations.models import Channel, Contact, Interaction, Message
from conversations.services.access import interaction_locked
from conversations.services.routing import offers_withdraw
from conversations.services.wire_messages import build_payload
from conversations.windows import SERVICE_WINDOW, window_is_open
from integrations import outbox
from integrations.models import EventType
from reports.services import Fact, Kind, facts_record
from surveys import selectors
from surveys.choices import choices_parse, reply_id, reply_id_parse
from surveys.models import QueueCare, SurveyRequest
from surveys.payloads import survey_result
from waproject.embedded import enqueue_on_commit
from whatsapp.limits import BUTTONS_MAX
from whatsapp.records import InboundMessage

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100
#: A waiting interaction with nothing ahead (its window closed, no abandonment timeout) is
#: looked at again after this long: a new customer message may have reopened the window.
#: Never unarmed while it waits, so the arming read never returns the same rows again.
RECHECK = timedelta(minutes=10)
#: The disposition of an interaction closed as abandoned.
ABANDONED = "abandoned"


# --- automated messages ---------------------------------------------------------------------


def _automated_send(*, interaction: Interaction, type: str, body: str, content: dict) -> Message | None:
    """Queue an automated message (no author, ``automated``) into ``interaction`` (locked by
    the caller), inside the window only; None when WhatsApp would refuse it."""
    now = timezone.now()
    if not window_is_open(interaction, now=now):
        return None
    message = Message(
        channel=interaction.channel,
        interaction=interaction,
        contact=interaction.contact,
        direction=Message.Direction.OUTBOUND,
        type=type,
        body=body,
        content=content,
        origination_at=now,
        arrived_at=now,
        automated=True,
        status=Message.Status.QUEUED,
    )
    try:
        build_payload(message)
    except ValueError as exc:
        logger.warning("interaction %s: automated %s not sent: %s", interaction.pk, type, exc)
        return None
    message.save()
    facts_record(
        [
            Fact(
                Kind.MESSAGE_OUT,
                now,
                queue_id=interaction.queue_id,
                agent_id=None,
                channel_id=interaction.channel_id,
                detail=type,
            )
        ]
    )
    # An automated message is no agent's reply: the pending-reply indicator stays.
    Interaction.objects.filter(pk=interaction.pk).update(last_outbound_at=now, updated_at=now)
    interaction.last_outbound_at = now
    events.message_created(message=message, owner_id=interaction.owner_id)
    outbox.message_created(message=message, owner_id=interaction.owner_id)  # B5, same transaction
    enqueue_on_commit(jobs.OUTBOX_FLUSH, interaction.pk)
    return message


# --- B2 while waiting -------------------------------------------------------------------------


def _next_due(care: QueueCare, interaction: Interaction, *, now: datetime) -> datetime:
    """The earliest of the next notice (the next multiple of the interval after joining the
    queue, while the window is open) and the abandonment deadline; else a later look."""
    candidates: list[datetime] = []
    joined = interaction.queued_at or interaction.created_at
    if care.waiting_notices:
        interval = timedelta(minutes=care.waiting_interval_minutes)
        slot = joined + interval * (max(0, (now - joined) // interval) + 1)
        if interaction.window_expires_at is not None and slot < interaction.window_expires_at:
            candidates.append(slot)
    deadline = _abandon_deadline(care, interaction)
    if deadline is not None:
        candidates.append(deadline)
    return min(candidates) if candidates else now + RECHECK


def _abandon_deadline(care: QueueCare, interaction: Interaction) -> datetime | None:
    if care.abandon_after_minutes is None:
        return None
    joined = interaction.queued_at or interaction.created_at
    last_word = max(joined, interaction.last_inbound_at or joined)
    deadline = last_word + timedelta(minutes=care.abandon_after_minutes)
    if interaction.window_expires_at is not None:
        deadline = min(deadline, interaction.window_expires_at)
    return deadline


def _is_notice_slot(care: QueueCare, interaction: Interaction, due_at: datetime) -> bool:
    joined = interaction.queued_at or interaction.created_at
    interval = timedelta(minutes=care.waiting_interval_minutes)
    return care.waiting_notices and due_at > joined and (due_at - joined) % interval == timedelta(0)


def waiting_care_due(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Arm the timers of waiting interactions in queues whose care is on, and fire the due
    ones (a notice, an abandonment, or just re-arming). Returns how many notices were sent
    and interactions closed as abandoned."""
    cares = selectors.cares_on()
    if cares:
        unarmed = list(
            Interaction.objects.filter(
                state__in=selectors.WAITING_STATES,
                queue_id__in=list(cares),
                waiting_due_at__isnull=True,
                accepted_at__isnull=True,
            ).only("pk", "queue_id", "queued_at", "created_at", "last_inbound_at", "window_expires_at")[
                :limit
            ]
        )
        for interaction in unarmed:
            due = _next_due(cares[interaction.queue_id], interaction, now=now)  # type: ignore[index]
            Interaction.objects.filter(pk=interaction.pk, waiting_due_at__isnull=True).update(
                waiting_due_at=due
            )
    fired = 0
    due_rows = list(
        Interaction.objects.filter(waiting_due_at__lte=now)
        .order_by("waiting_due_at")
        .values_list("pk", "waiting_due_at")[:limit]
    )
    for pk, due_at in due_rows:
        with transaction.atomic():
            interaction = interaction_locked(pk, related=("channel", "contact"))
            if due_at is None or interaction.waiting_due_at != due_at:
                continue  # another sweep took it
            fired += _waiting_fire(interaction, cares.get(interaction.queue_id or 0), due_at=due_at, now=now)
    return fired


def _waiting_fire(
    interaction: Interaction, care: QueueCare | None, *, due_at: datetime, now: datetime
) -> int:
    if care is None or interaction.state not in selectors.WAITING_STATES or interaction.accepted_at:
        Interaction.objects.filter(pk=interaction.pk).update(waiting_due_at=None)
        return 0
    deadline = _abandon_deadline(care, interaction)
    if deadline is not None and deadline <= now:
        _close_abandoned(interaction, now=now)
        return 1
    sent = 0
    if _is_notice_slot(care, interaction, due_at) and window_is_open(interaction, now=now):
        text = care.waiting_text.format(
            position=selectors.queue_position(interaction),
            wait=selectors.wait_words(
                selectors.expected_wait_seconds(queue_id=interaction.queue_id or 0, now=now)
            ),
        )
        sent = int(
            _automated_send(interaction=interaction, type=Message.Type.TEXT, body=text, content={})
            is not None
        )
    Interaction.objects.filter(pk=interaction.pk).update(waiting_due_at=_next_due(care, interaction, now=now))
    return sent


def _close_abandoned(interaction: Interaction, *, now: datetime) -> None:
    """The customer left before any agent accepted: closed, counted, announced."""
    previous = interaction.state
    interaction.state = Interaction.State.CLOSED
    interaction.closed_at = now
    interaction.disposition = ABANDONED
    interaction.reply_due_at = None
    interaction.window_due_at = None
    interaction.awaiting_reply_since = None
    interaction.waiting_due_at = None
    interaction.save(
        update_fields=[
            "state",
            "closed_at",
            "disposition",
            "reply_due_at",
            "window_due_at",
            "awaiting_reply_since",
            "waiting_due_at",
            "updated_at",
        ]
    )
    if previous == Interaction.State.OFFERED:
        offers_withdraw(interaction_id=interaction.pk, now=now)
    facts_record(
        [
            Fact(Kind.ABANDONED, now, queue_id=interaction.queue_id, channel_id=interaction.channel_id),
            Fact(Kind.DISPOSITION, now, detail=ABANDONED, queue_id=interaction.queue_id),
        ]
    )
    events.interaction_closed(interaction=interaction, owner_id=None)
    outbox.interaction_done(interaction=interaction, owner_id=None)


# --- B3 after Done ----------------------------------------------------------------------------


def survey_after_done(
    *, interaction: Interaction, agent_id: int | None, now: datetime
) -> SurveyRequest | None:
    """Ask for the customer's satisfaction after Done (call in Done's transaction, the
    interaction closed and locked): only if its queue's survey is on, an agent (or bot)
    handled it, the window is open and the contact was not surveyed in the last
    ``survey_min_days``."""
    care = selectors.survey_care(interaction.queue_id)
    if care is None or agent_id is None or not window_is_open(interaction, now=now):
        return None
    if (
        care.survey_min_days
        and SurveyRequest.objects.filter(
            contact_id=interaction.contact_id, sent_at__gt=now - timedelta(days=care.survey_min_days)
        ).exists()
    ):
        return None
    try:
        choices = choices_parse(care.survey_choices)
    except ValueError as exc:  # edited outside the admin's checks
        logger.warning("queue %s: survey not sent: %s", interaction.queue_id, exc)
        return None
    request = SurveyRequest.objects.create(
        interaction=interaction,
        contact_id=interaction.contact_id,
        queue_id=interaction.queue_id,
        agent_id=agent_id,
        sent_at=now,
        choices=[[score, title] for score, title in choices],
        satisfied_from=care.survey_satisfied_from,
        comment_prompt=care.survey_comment_prompt.strip(),
        comment_minutes=care.survey_comment_minutes,
    )
    if len(choices) <= BUTTONS_MAX:
        interactive: dict[str, object] = {
            "type": "button",
            "buttons": [{"id": reply_id(request.pk, s), "title": t} for s, t in choices],
        }
    else:
        interactive = {
            "type": "list",
            "button": "Choose",
            "sections": [
                {
                    "title": "Your answer",
                    "rows": [{"id": reply_id(request.pk, s), "title": t} for s, t in choices],
                }
            ],
        }
    message = _automated_send(
        interaction=interaction,
        type=Message.Type.INTERACTIVE,
        body=care.survey_question.strip(),
        content={"interactive": interactive, "survey_id": request.pk},
    )
    if message is None:
        request.delete()
        return None
    SurveyRequest.objects.filter(pk=request.pk).update(message=message)
    request.message = message
    return request


def survey_replies_take(
    *, channel: Channel, messages: list[InboundMessage], arrived_at: datetime, comments: bool = False
) -> list[InboundMessage]:
    """The inbound path's hook: take the customer's survey answers (and, with ``comments``,
    a pending comment) out of ``messages``, record them, and return the rest for the
    conversation. Without a survey reply among them (and no ``comments``) no query runs:
    the webhook's hot path calls this first."""
    rest: list[InboundMessage] = []
    pending: list[SurveyRequest] | None = None
    for message in messages:
        parsed = (
            reply_id_parse(str(message.content.get("id", "")))
            if message.type == Message.Type.INTERACTIVE
            else None
        )
        if parsed is not None and _answer_record(channel, message, *parsed, arrived_at=arrived_at):
            continue
        if comments and message.type == Message.Type.TEXT and message.body.strip():
            if pending is None:
                pending = _pending_comments(channel, message, now=arrived_at)
            if pending and _comment_record(pending[0], message, arrived_at=arrived_at):
                pending = []
                continue
        rest.append(message)
    return rest


def _sender_is(contact: Contact, message: InboundMessage) -> bool:
    sender = message.sender
    return bool(
        (sender.wa_id and sender.wa_id == contact.wa_id)
        or (sender.user_id and sender.user_id == contact.user_id)
    )


def _store_in(request: SurveyRequest, message: InboundMessage, *, arrived_at: datetime) -> bool:
    """The customer's message joins the surveyed (closed) interaction's transcript; False
    when it is there already (a redelivered webhook). Their message opens the 24-hour
    window again, so the comment prompt may follow."""
    interaction = request.interaction
    row = Message(
        channel_id=interaction.channel_id,
        interaction_id=interaction.pk,
        contact_id=interaction.contact_id,
        direction=Message.Direction.INBOUND,
        type=message.type,
        wamid=message.wamid,
        body=message.body,
        content=message.content,
        context_wamid=message.context_wamid,
        origination_at=message.timestamp,
        arrived_at=arrived_at,
        status=Message.Status.RECEIVED,
    )
    inserted = insert_ignore_returning(Message, [row], ("id",))
    if not inserted:
        return False
    row.pk = inserted[0][0]
    if interaction.last_inbound_at is None or interaction.last_inbound_at < message.timestamp:
        interaction.last_inbound_at = message.timestamp
        interaction.window_expires_at = message.timestamp + SERVICE_WINDOW
        Interaction.objects.filter(pk=interaction.pk).update(
            last_inbound_at=interaction.last_inbound_at, window_expires_at=interaction.window_expires_at
        )
    events.message_created(message=row, owner_id=None)
    return True


def _answer_record(
    channel: Channel, message: InboundMessage, request_id: int, score: int, *, arrived_at: datetime
) -> bool:
    """Record a tap on a survey's choice; False if it names no survey of this customer (the
    message then goes to the conversation like any other)."""
    request = (
        SurveyRequest.objects.select_for_update(of=("self",))
        .select_related("interaction__channel", "interaction__contact", "contact")
        .filter(pk=request_id, interaction__channel=channel)
        .first()
    )
    if request is None or not _sender_is(request.contact, message):
        return False
    if not _store_in(request, message, arrived_at=arrived_at):
        return True  # a redelivery: recorded the first time
    titles = {int(s): str(t) for s, t in request.choices}
    if request.answered_at is not None or score not in titles:
        return True  # a second tap (the first answer stands), or a score never offered
    request.score = score
    request.answer_title = titles[score][:24]
    request.answered_at = message.timestamp
    request.answer_wamid = message.wamid
    if request.comment_prompt:
        request.comment_due_at = arrived_at + timedelta(minutes=request.comment_minutes)
    request.save(update_fields=["score", "answer_title", "answered_at", "answer_wamid", "comment_due_at"])
    interaction = request.interaction
    facts_record(
        [
            Fact(
                Kind.SURVEY_ANSWERED,
                arrived_at,
                queue_id=request.queue_id,
                agent_id=request.agent_id,
                channel_id=interaction.channel_id,
                score=score,
                satisfied=score >= request.satisfied_from,
            )
        ]
    )
    _survey_answered_event(request)
    if request.comment_prompt:
        _automated_send(
            interaction=interaction, type=Message.Type.TEXT, body=request.comment_prompt, content={}
        )
    return True


def _survey_answered_event(request: SurveyRequest) -> None:
    interaction = request.interaction
    outbox.record(  # B5, in the answer's transaction
        EventType.SURVEY_ANSWERED,
        interaction_id=interaction.pk,
        owner_id=request.agent_id,
        data=lambda: {
            "survey_id": request.pk,
            "agent_id": request.agent_id,
            "queue_id": request.queue_id,
            "contact_id": request.contact_id,
            "survey": survey_result(interaction),
        },
    )


def _pending_comments(channel: Channel, message: InboundMessage, *, now: datetime) -> list[SurveyRequest]:
    sender = message.sender
    who = Q()
    if sender.wa_id:
        who |= Q(contact__wa_id=sender.wa_id)
    if sender.user_id:
        who |= Q(contact__user_id=sender.user_id)
    if not who:
        return []
    # A new conversation's webhook asks this of every first message, and almost always
    # nothing is pending: a narrow read of ids first, the locked read with its relations
    # only for one that is.
    pending = (
        SurveyRequest.objects.filter(who, comment_due_at__gt=now, interaction__channel=channel)
        .order_by("-answered_at")
        .values_list("pk", flat=True)[:1]
    )
    ids = list(pending)
    if not ids:
        return []
    return list(
        SurveyRequest.objects.select_for_update(of=("self",))
        .select_related("interaction__channel", "interaction__contact")
        .filter(pk__in=ids, comment_due_at__gt=now)
    )


def _comment_record(request: SurveyRequest, message: InboundMessage, *, arrived_at: datetime) -> bool:
    if not _store_in(request, message, arrived_at=arrived_at):
        return True
    request.comment = message.body.strip()
    request.comment_at = message.timestamp
    request.comment_wamid = message.wamid
    request.comment_due_at = None
    request.save(update_fields=["comment", "comment_at", "comment_wamid", "comment_due_at"])
    return True


def survey_comment_timers_due(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Comments not given in time: the pending-comment timers that ran out are cleared (the
    customer's next text starts a conversation again)."""
    ids = list(
        SurveyRequest.objects.filter(comment_due_at__lte=now)
        .order_by("comment_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    return SurveyRequest.objects.filter(pk__in=ids, comment_due_at__lte=now).update(comment_due_at=None)
