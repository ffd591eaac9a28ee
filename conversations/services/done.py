"""R3 Done: the agent closes the conversation, with a disposition code and a note."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations.exceptions import DomainError
from conversations.models import Interaction, InteractionNote
from conversations.selectors.agents import disposition_codes
from conversations.services.collaboration import participations_end
from conversations.services.interactions import interaction_owned_open
from conversations.services.routing import interaction_capacity_released, offers_withdraw
from integrations import outbox
from reports.services import Fact, Kind, Where, facts_record
from surveys.services import survey_after_done
from workbins.services import workbin_items_remove


def interaction_done(
    *, user: User, interaction_id: int, disposition: str = "", note: str = ""
) -> Interaction:
    """R3 Done: close the interaction (optionally with a disposition code and a note); it
    goes to contact history, leaves the console and frees the agent's capacity."""
    now = timezone.now()
    with transaction.atomic():
        interaction = interaction_owned_open(user=user, interaction_id=interaction_id)
        if disposition and disposition not in disposition_codes(user=user):
            raise DomainError(
                _("%(disposition)s is not a disposition code") % {"disposition": repr(disposition)},
                code="bad_disposition",
            )
        previous_state, owner_id = interaction.state, interaction.owner_id
        interaction.state = Interaction.State.CLOSED
        interaction.closed_at = now
        interaction.disposition = disposition
        interaction.done_note = note.strip()
        interaction.reply_due_at = None
        interaction.window_due_at = None
        interaction.awaiting_reply_since = None
        interaction.waiting_due_at = None
        interaction.save(
            update_fields=[
                "state",
                "closed_at",
                "disposition",
                "done_note",
                "reply_due_at",
                "window_due_at",
                "awaiting_reply_since",
                "waiting_due_at",
                "updated_at",
            ]
        )
        if note.strip():
            InteractionNote.objects.create(interaction=interaction, author=user, body=note.strip())
        if previous_state == Interaction.State.ACTIVE:
            interaction_capacity_released(interaction=interaction, now=now)
        elif previous_state == Interaction.State.OFFERED:
            offers_withdraw(interaction_id=interaction.pk, now=now)
        workbin_items_remove(interaction_id=interaction.pk)
        participations_end(interaction=interaction, now=now, reason="done")
        started = interaction.accepted_at or interaction.created_at
        where: Where = {
            "queue_id": interaction.queue_id,
            "agent_id": owner_id,
            "channel_id": interaction.channel_id,
        }
        facts_record(  # S3: handle time (accepted, or opened by the agent, to Done) and the code
            [
                Fact(Kind.HANDLE_TIME, now, seconds=(now - started).total_seconds(), **where),
                Fact(Kind.DISPOSITION, now, detail=disposition, **where),
            ]
        )
        events.interaction_closed(interaction=interaction, owner_id=owner_id)
        outbox.interaction_done(interaction=interaction, owner_id=owner_id)
        survey_after_done(interaction=interaction, agent_id=owner_id, now=now)  # B3, if its queue asks
    return interaction
