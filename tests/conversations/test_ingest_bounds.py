"""What a webhook body may carry that our columns or clocks cannot take.

One oversize field used to fail the whole body's transaction (PostgreSQL refuses a value
longer than its varchar; SQLite silently stores it): the event was retried twelve times
and never stored, and its valid messages were lost with it. A timestamp from the future
moved the 24-hour window out of reach of every later message. Now the parser checks each
item against the columns it goes to and the arrival time: the valid rest is stored, the
bad part stays in the raw event, flagged. The same on both databases (run this file with
``DATABASE_URL`` set for PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import models
from django.utils import timezone

from conversations.models import (
    Attachment,
    Contact,
    Interaction,
    Message,
    PendingRevision,
    PendingStatus,
    Reaction,
    WebhookEvent,
)
from conversations.models.bounds import STORED_IN, webhook_limits
from conversations.services.sending import message_accepted
from conversations.services.webhooks import webhook_event_process
from conversations.windows import window_is_open
from tests.cloud_api import SUPPORT
from tests.conftest import APP_SECRET
from tests.factories import InteractionFactory, MessageFactory
from whatsapp.records import CLOCK_SKEW, STORED_FIELDS
from whatsapp.signature import sign

pytestmark = pytest.mark.django_db

ANN, BOB, VIC = "4911111111", "4922222222", "4933333333"
STORED_MODELS = (Message, Contact, Attachment, Reaction, PendingRevision, PendingStatus, Interaction)


def max_length(name: str) -> int:
    return webhook_limits().lengths[name]


def oversize(name: str) -> str:
    """One character more than the columns of ``name`` hold, recognisable where stored."""
    marker = f"oversize-{name}-"
    return marker + "x" * (max_length(name) + 1 - len(marker))


def text(wamid: str, sender: str, timestamp: int | str | None = None, body: str = "hi") -> dict:
    return {
        "from": sender,
        "id": wamid,
        "timestamp": str(timestamp or int(timezone.now().timestamp()) - 60),
        "type": "text",
        "text": {"body": body},
    }


def body(victim: dict | None = None, *, statuses: list | None = None) -> dict:
    """A batch: Ann's message, the victim (Vic's), Bob's message (and statuses)."""
    value: dict = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": SUPPORT.display_phone_number,
            "phone_number_id": SUPPORT.phone_number_id,
        },
        "contacts": [
            {"profile": {"name": "Ann"}, "wa_id": ANN},
            {"profile": {"name": "Bob"}, "wa_id": BOB},
            {"profile": {"name": "Vic"}, "wa_id": VIC},
        ],
        "messages": [text("wamid.ann", ANN), victim or text("wamid.victim", VIC), text("wamid.bob", BOB)],
    }
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1234567890987654321", "changes": [{"field": "messages", "value": value}]}],
    }


def victim(kind: str, content: dict, **extra) -> dict:
    message = {**text("wamid.victim", VIC), "type": kind, kind: content, **extra}
    del message["text"]
    return message


def document(**fields) -> dict:
    content = {"id": "1234567890", "mime_type": "application/pdf", "sha256": "abc=", "filename": "a.pdf"}
    return victim("document", {**content, **fields})


# Each case: (the STORED_IN name it checks, how the body is made, whether Vic's message
# is still stored). Identities that do not fit leave the item out; describing
# fields that do not fit are left out of a stored message.
Case = tuple[str, Callable[[str], dict], bool]


def _contact_field(key: str, *, in_profile: bool = False) -> Callable[[str], dict]:
    def make(big: str) -> dict:
        payload = body()
        vic = payload["entry"][0]["changes"][0]["value"]["contacts"][2]
        (vic["profile"] if in_profile else vic)[key] = big
        return payload

    return make


def _bsuid_sender_with_long_wa_id(big: str) -> dict:
    """Vic writes by business-scoped user id; the contacts entry's wa_id does not fit."""
    message = text("wamid.victim", VIC)
    del message["from"]
    message["from_user_id"] = "US.1234"
    payload = body(message)
    payload["entry"][0]["changes"][0]["value"]["contacts"][2] = {
        "profile": {"name": "Vic"},
        "user_id": "US.1234",
        "wa_id": big,
    }
    return payload


def _long_from(big: str) -> dict:
    payload = body({**text("wamid.victim", VIC), "from": big})
    payload["entry"][0]["changes"][0]["value"]["contacts"][2]["wa_id"] = big
    return payload


def _status(big: str) -> dict:
    now = str(int(timezone.now().timestamp()))
    return body(
        statuses=[
            {"id": big, "status": "delivered", "timestamp": now, "recipient_id": VIC},
            {"id": "wamid.out-1", "status": "delivered", "timestamp": now, "recipient_id": VIC},
        ]
    )


CASES: dict[str, Case] = {
    "message id": ("id", lambda big: body({**text("wamid.victim", VIC), "id": big}), False),
    "from": ("from", _long_from, False),
    "contacts wa_id": ("from", _bsuid_sender_with_long_wa_id, True),
    "from_user_id": (
        "from_user_id",
        lambda big: body({**text("wamid.victim", VIC), "from_user_id": big}),
        False,
    ),
    "parent_user_id": ("parent_user_id", _contact_field("parent_user_id"), True),
    "from_parent_user_id": (
        "parent_user_id",
        lambda big: body({**text("wamid.victim", VIC), "from_parent_user_id": big}),
        True,
    ),
    "profile name": ("profile.name", _contact_field("name", in_profile=True), True),
    "profile username": ("profile.username", _contact_field("username", in_profile=True), True),
    "reply context": (
        "context.id",
        lambda big: body({**text("wamid.victim", VIC), "context": {"from": VIC, "id": big}}),
        True,
    ),
    "media id": ("media.id", lambda big: body(document(id=big)), True),
    "media mime type": ("media.mime_type", lambda big: body(document(mime_type=big)), True),
    "media sha256": ("media.sha256", lambda big: body(document(sha256=big)), True),
    "media filename": ("media.filename", lambda big: body(document(filename=big)), True),
    "reaction target": (
        "reaction.message_id",
        lambda big: body(victim("reaction", {"message_id": big, "emoji": "👍"})),
        False,
    ),
    "reaction emoji": (
        "reaction.emoji",
        lambda big: body(victim("reaction", {"message_id": "wamid.ann", "emoji": big})),
        False,
    ),
    "revoked message": (
        "original_message_id",
        lambda big: body(victim("revoke", {"original_message_id": big})),
        False,
    ),
    "edited message": (
        "original_message_id",
        lambda big: body(
            victim("edit", {"original_message_id": big, "message": {"type": "text", "text": {"body": "b"}}})
        ),
        False,
    ),
    "new number": (
        "system.wa_id",
        lambda big: body(victim("system", {"type": "user_changed_number", "wa_id": big, "body": "changed"})),
        False,
    ),
    "status id": ("status.id", _status, True),  # Vic's message is a plain one here
}


def test_every_bounded_field_of_the_parser_has_a_case():
    assert {name for name, _make, _stored in CASES.values()} == set(STORED_IN) == set(STORED_FIELDS)


def stored_anywhere(value: str) -> list[str]:
    """Where ``value`` (or a longer text holding it) sits in a column of ours."""
    found = []
    for model in STORED_MODELS:
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.CharField | models.TextField)
                and model.objects.filter(**{f"{field.name}__contains": value}).exists()
            ):
                found.append(f"{model.__name__}.{field.name}")
    return found


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_an_oversize_field_is_flagged_and_the_rest_of_the_body_stored(post_webhook, channel, case):
    name, make, victim_stored = CASES[case]
    interaction = InteractionFactory(channel=channel, contact__wa_id="4944444444")
    MessageFactory(
        interaction=interaction, direction=Message.Direction.OUTBOUND, wamid="wamid.out-1", status="accepted"
    )
    big = oversize(name)

    response = post_webhook(make(big))

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.state, event.retry_due_at) == (WebhookEvent.State.PROCESSED, None)  # no retry loop
    assert {"wamid.ann", "wamid.bob"} <= set(Message.objects.values_list("wamid", flat=True))
    assert Message.objects.filter(wamid="wamid.victim").exists() is victim_stored
    assert [f for f in event.flags if f"has {len(big)} characters, more than the {len(big) - 1}" in f]
    assert stored_anywhere(big) == []  # neither PostgreSQL nor SQLite holds the value
    if name == "status.id":
        assert Message.objects.get(wamid="wamid.out-1").status == Message.Status.DELIVERED
    # a replay of the stored event ends the same way
    replayed = webhook_event_process(event_id=event.pk)
    assert (replayed.state, replayed.flags) == (WebhookEvent.State.PROCESSED, event.flags)


def test_a_media_file_whose_id_does_not_fit_is_stored_without_a_download(post_webhook, channel):
    post_webhook(body(document(id=oversize("media.id"))))
    message = Message.objects.get(wamid="wamid.victim")
    assert message.type == "document"
    assert not Attachment.objects.filter(message=message).exists()


def test_a_describing_field_that_does_not_fit_is_left_out_of_the_stored_row(post_webhook, channel):
    post_webhook(body(document(filename=oversize("media.filename"))))
    attachment = Attachment.objects.get(message__wamid="wamid.victim")
    assert (attachment.file_name, attachment.mime_type) == ("", "application/pdf")


def test_a_failed_status_with_a_code_no_integer_column_holds_still_fails_the_message(post_webhook, channel):
    interaction = InteractionFactory(channel=channel)
    MessageFactory(
        interaction=interaction, direction=Message.Direction.OUTBOUND, wamid="wamid.out-1", status="accepted"
    )
    error = {"code": 10**12, "title": "Too " + "long " * 100, "error_data": {"details": "d"}}
    now = str(int(timezone.now().timestamp()))
    failed = {"id": "wamid.out-1", "status": "failed", "timestamp": now, "errors": [error]}
    assert post_webhook(body(statuses=[failed])).status_code == 200
    message = Message.objects.get(wamid="wamid.out-1")
    assert (message.status, message.error_code) == (Message.Status.FAILED, None)
    assert message.error_title == error["title"][: Message._meta.get_field("error_title").max_length]
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.PROCESSED
    assert any(f"error code {10**12} is out of range" in f for f in event.flags)


def test_an_infinite_error_code_is_no_code(post_webhook, channel):
    interaction = InteractionFactory(channel=channel)
    MessageFactory(
        interaction=interaction, direction=Message.Direction.OUTBOUND, wamid="wamid.out-1", status="accepted"
    )
    payload = body(
        statuses=[{"id": "wamid.out-1", "status": "failed", "timestamp": "1751142888", "errors": []}]
    )
    raw = json.dumps(payload).replace('"errors": []', '"errors": [{"code": 1e400, "title": "t"}]')
    assert post_webhook(raw).status_code == 200
    message = Message.objects.get(wamid="wamid.out-1")
    assert (message.status, message.error_code) == (Message.Status.FAILED, None)
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED


# --- times -------------------------------------------------------------------------------


YEAR_3000 = int(datetime(3000, 1, 1, tzinfo=UTC).timestamp())


def test_a_message_from_the_future_keeps_the_window_at_its_arrival(post_webhook, channel):
    before = timezone.now()
    post_webhook(body(text("wamid.victim", VIC, timestamp=YEAR_3000)))
    after = timezone.now()

    message = Message.objects.get(wamid="wamid.victim")
    assert before <= message.origination_at <= after  # the arrival time, not the year 3000
    interaction = message.interaction
    assert before <= interaction.last_inbound_at <= after
    assert interaction.window_expires_at <= after + timedelta(hours=24)
    event = WebhookEvent.objects.get()
    assert any("wamid.victim" in f and "later than the arrival" in f for f in event.flags)
    assert event.state == WebhookEvent.State.PROCESSED


def test_a_real_message_after_one_from_the_future_moves_the_window_again(post_webhook, channel):
    post_webhook(body(text("wamid.victim", VIC, timestamp=YEAR_3000)))
    later = int(timezone.now().timestamp()) + 2  # the customer's next message, a moment later

    post_webhook(body(text("wamid.vic-2", VIC, timestamp=later)))

    interaction = Interaction.objects.get(contact__wa_id=VIC)
    assert interaction.last_inbound_wamid == "wamid.vic-2"
    assert interaction.window_expires_at == datetime.fromtimestamp(later, tz=UTC) + timedelta(hours=24)


def test_after_a_message_from_the_future_a_free_form_send_ends_with_the_real_window(post_webhook, channel):
    post_webhook(body(text("wamid.victim", VIC, timestamp=YEAR_3000)))
    interaction = Interaction.objects.get(contact__wa_id=VIC)
    assert window_is_open(interaction)
    assert not window_is_open(interaction, now=timezone.now() + timedelta(hours=24, minutes=1))


def test_a_time_within_the_clock_skew_is_believed(post_webhook, channel):
    ahead = int((timezone.now() + CLOCK_SKEW / 2).timestamp())
    post_webhook(body(text("wamid.victim", VIC, timestamp=ahead)))
    assert Message.objects.get(wamid="wamid.victim").origination_at == datetime.fromtimestamp(ahead, tz=UTC)
    assert not WebhookEvent.objects.get().flags


@pytest.mark.parametrize(
    "timestamp",
    [
        "253402300799",  # 9999-12-31: the window's +24 h overflowed
        "99999999999999999999",  # beyond any date
        "-62135596800",  # year 1
        "-99999999999999",
        "0",
        "1e9",
        "soon",
    ],
)
def test_an_absurd_message_time_is_the_arrival_time(post_webhook, channel, timestamp):
    before = timezone.now()
    assert post_webhook(body(text("wamid.victim", VIC, timestamp=timestamp))).status_code == 200
    message = Message.objects.get(wamid="wamid.victim")
    assert before <= message.origination_at <= timezone.now()
    assert {"wamid.ann", "wamid.bob"} <= set(Message.objects.values_list("wamid", flat=True))
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.PROCESSED
    assert any("wamid.victim" in f and "the arrival time is used" in f for f in event.flags)


@pytest.mark.parametrize("timestamp", [str(YEAR_3000), "253402300799", "0", "-99999999999999"])
def test_a_status_time_from_the_future_or_absurd_past_is_the_arrival_time(post_webhook, channel, timestamp):
    interaction = InteractionFactory(channel=channel)
    MessageFactory(
        interaction=interaction, direction=Message.Direction.OUTBOUND, wamid="wamid.out-1", status="accepted"
    )
    before = timezone.now()
    delivered = {"id": "wamid.out-1", "status": "delivered", "timestamp": timestamp}
    assert post_webhook(body(statuses=[delivered])).status_code == 200
    message = Message.objects.get(wamid="wamid.out-1")
    assert before <= message.delivered_at <= timezone.now()
    assert any(
        "delivered of wamid.out-1" in f and "arrival time" in f for f in WebhookEvent.objects.get().flags
    )


def test_a_parked_status_from_the_future_keeps_the_arrival_time_when_applied(post_webhook, channel):
    before = timezone.now()
    delivered = {"id": "wamid.later", "status": "delivered", "timestamp": str(YEAR_3000)}
    post_webhook(body(statuses=[delivered]))
    assert before <= PendingStatus.objects.get().occurred_at <= timezone.now()
    interaction = InteractionFactory(channel=channel)
    message = MessageFactory(
        interaction=interaction, direction=Message.Direction.OUTBOUND, wamid=None, status="queued"
    )
    message_accepted(message_id=message.pk, wamid="wamid.later")
    message.refresh_from_db()
    assert before <= message.delivered_at <= timezone.now()


def test_a_replayed_event_measures_times_against_its_own_arrival(post_webhook, channel):
    post_webhook(body(text("wamid.victim", VIC, timestamp=YEAR_3000)))
    event = WebhookEvent.objects.get()
    Message.objects.all().delete()
    Interaction.objects.all().delete()
    webhook_event_process(event_id=event.pk)
    assert Message.objects.get(wamid="wamid.victim").origination_at == event.received_at


def test_a_padded_signature_is_stored_as_meta_writes_it(post_webhook, channel):
    raw = json.dumps(body()).encode()
    padded = (
        sign(raw, APP_SECRET).replace("sha256=", "sha256=" + " " * 100).upper().replace("SHA256=", "sha256=")
    )
    assert post_webhook(raw, signature=padded).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.signature == sign(raw, APP_SECRET)  # fits its column, still verifies on replay
    assert webhook_event_process(event_id=event.pk).state == WebhookEvent.State.PROCESSED
