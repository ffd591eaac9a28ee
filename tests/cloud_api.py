"""Cloud API webhook bodies for the tests, composed from WhatsApp's documented wire format.

A webhook POST is an envelope ``{"object": "whatsapp_business_account", "entry": [...]}``.
Each entry is one WhatsApp Business Account (``id`` = the WABA id) with ``changes``; each
change has a ``field`` and a ``value``. A ``messages`` value names the business number
in ``metadata`` and carries ``contacts`` (who wrote), ``messages`` (what they wrote),
``statuses`` (what became of what we sent) and ``errors`` (problems tied to no message).
Every level is a list, so one POST may batch several entries, changes, messages and
statuses: :func:`webhook`, :func:`entry` and :func:`messages_change` compose them.

:data:`PAYLOADS` names one ready-made body per case the product must understand (every
inbound type, each status, a failure, pricing, recipients known only by their
business-scoped id, a template status update, a batch); :func:`payload` returns a fresh
copy that a test may change. The people, numbers and ids are this project's own: a
parcel service's support line in Berlin and its sales line. Meta's own samples, kept
beside the repository by the team, run as an extra suite in ``tests/conformance/``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class BusinessNumber:
    """One of our WhatsApp Business numbers (a Channel) and the account it belongs to."""

    waba_id: str
    phone_number_id: str
    display_phone_number: str  # digits only, as in webhooks


@dataclass(frozen=True)
class Customer:
    """A WhatsApp user: the phone number (``wa_id``) and/or the business-scoped id (BSUID)."""

    wa_id: str | None
    name: str
    user_id: str = ""
    parent_user_id: str = ""
    username: str = ""


SUPPORT = BusinessNumber(
    waba_id="240519637281046", phone_number_id="381027465190372", display_phone_number="493055501000"
)
SALES = BusinessNumber(
    waba_id="318264097531806", phone_number_id="427193856402718", display_phone_number="494055502000"
)

LENA = Customer(
    wa_id="4917612345678",
    name="Lena Vogel",
    user_id="DE.8830216645190277",
    parent_user_id="DE.ENT.4409128837716502",
)
#: Lena's new number after she changed it in WhatsApp.
LENA_NEW_NUMBER = "4915790001122"
RAFAEL = Customer(wa_id="5511998877665", name="Rafael Costa", user_id="BR.1177342209856613")
#: A customer who chose a username: webhooks name her by BSUID only (no phone number).
MAYA = Customer(wa_id=None, name="Maya", user_id="GB.6612093377015482", username="maya.bakes")

#: 2026-03-03 09:30:00 UTC, when Lena first writes; the other times are counted from it.
T0 = 1772530200


def wamid(customer: Customer, tag: str) -> str:
    """A message id shaped like Meta's: ``wamid.`` + base64 of the chat and a unique tag."""
    chat = (customer.wa_id or customer.user_id).encode()
    raw = b"\x18\x0d" + chat + b"\x15\x02\x00\x12\x18\x14" + tag.encode() + b"\x00"
    return "wamid." + base64.b64encode(raw).decode()


# Customers' messages.
LENA_TEXT = wamid(LENA, "3EB0A1TEXT")
LENA_REPLY = wamid(LENA, "3EB0A2REPLY")
LENA_FORWARD = wamid(LENA, "3EB0A3FWD")
LENA_IMAGE = wamid(LENA, "3EB0B1IMAGE")
LENA_VIDEO = wamid(LENA, "3EB0B2VIDEO")
LENA_AUDIO = wamid(LENA, "3EB0B3AUDIO")
LENA_VOICE = wamid(LENA, "3EB0B4VOICE")
LENA_DOCUMENT = wamid(LENA, "3EB0B5DOC")
LENA_STICKER = wamid(LENA, "3EB0B6STICKER")
LENA_LOCATION = wamid(LENA, "3EB0C1LOC")
LENA_CONTACTS = wamid(LENA, "3EB0C2CARDS")
LENA_BUTTON_CHOICE = wamid(LENA, "3EB0D1BTN")
LENA_LIST_CHOICE = wamid(LENA, "3EB0D2LIST")
LENA_FLOW_REPLY = wamid(LENA, "3EB0D3FLOW")
LENA_TEMPLATE_TAP = wamid(LENA, "3EB0D4QR")
LENA_ORDER = wamid(LENA, "3EB0E1ORDER")
LENA_REACTION = wamid(LENA, "3EB0F1REACT")
LENA_NUMBER_CHANGE = wamid(LENA, "3EB0F2SYSTEM")
LENA_UNSUPPORTED = wamid(LENA, "3EB0F3POLL")
LENA_WITHOUT_CONTENT = wamid(LENA, "3EB0F4EMPTY")
LENA_WELCOME = wamid(LENA, "3EB0F5HELLO")
LENA_REVOKE = wamid(LENA, "3EB0F6REVOKE")
LENA_EDIT = wamid(LENA, "3EB0F7EDIT")
RAFAEL_FROM_AD = wamid(RAFAEL, "3EB0A1ADREPLY")
MAYA_TEXT = wamid(MAYA, "3EB0A1TEXT")

MAYA_NUMBER_CHANGE = wamid(MAYA, "3EB0F8SYSTEM")
MAYA_ID_CHANGE = wamid(MAYA, "3EB0F9SYSTEM")
LENA_ID_CHANGE = wamid(LENA, "3EB0FASYSTEM")
LENA_BSUID_ONLY = wamid(LENA, "3EB0FBBSUID")

#: G2: the BSUID WhatsApp gives Lena with her new number (a new number, a new BSUID).
LENA_NEW_USER_ID = "DE.5521009988776655"
#: G2: Maya's BSUID after WhatsApp changed it without a number she shares.
MAYA_NEW_USER_ID = "GB.7720031188204466"

# Our messages (statuses and replies refer to them).
OUR_ANSWER = wamid(LENA, "BIZ01ANSWER")
OUR_VOICE_NOTE = wamid(LENA, "BIZ02VOICE")
OUR_BUTTONS = wamid(LENA, "BIZ03BUTTONS")
OUR_LIST = wamid(LENA, "BIZ04LIST")
OUR_FLOW = wamid(LENA, "BIZ05FLOW")
OUR_TEMPLATE = wamid(LENA, "BIZ06TEMPLATE")
OUR_OFFER = wamid(LENA, "BIZ07OFFER")
OUR_CAMPAIGN = wamid(RAFAEL, "BIZ08CAMPAIGN")
OUR_FOLLOW_UP = wamid(RAFAEL, "BIZ09FOLLOWUP")
OUR_ANSWER_TO_MAYA = wamid(MAYA, "BIZ10ANSWER")
#: What the Graph API answers when we send to Lena.
OUR_SENT = wamid(LENA, "BIZ11SENT")


# --- The levels of a webhook --------------------------------------------------------


def webhook(*entries: Json) -> Json:
    """The envelope of one POST."""
    return {"object": "whatsapp_business_account", "entry": list(entries)}


def entry(*changes: Json, waba_id: str, time: int | None = None) -> Json:
    """One account's part of a POST (``time`` rides on some fields, as an integer)."""
    item: Json = {"id": waba_id}
    if time is not None:
        item["time"] = time
    item["changes"] = list(changes)
    return item


def change(field: str, value: Json) -> Json:
    return {"value": value, "field": field}


def messages_change(
    number: BusinessNumber,
    *,
    contacts: Iterable[Json] = (),
    messages: Iterable[Json] = (),
    statuses: Iterable[Json] = (),
    errors: Iterable[Json] = (),
) -> Json:
    """A ``messages`` change of one business number; empty lists are left out, as Meta does."""
    value: Json = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": number.display_phone_number,
            "phone_number_id": number.phone_number_id,
        },
    }
    for key, items in (("contacts", contacts), ("messages", messages), ("statuses", statuses)):
        if items := list(items):
            value[key] = items
    if errors := list(errors):
        value["errors"] = errors
    return change("messages", value)


def contact(customer: Customer) -> Json:
    """The ``contacts[]`` item naming a customer (profile name, phone and/or BSUID)."""
    profile: Json = {"name": customer.name}
    if customer.username:
        profile["username"] = customer.username
    item: Json = {"profile": profile}
    if customer.wa_id:
        item["wa_id"] = customer.wa_id
    if customer.user_id:
        item["user_id"] = customer.user_id
    if customer.parent_user_id:
        item["parent_user_id"] = customer.parent_user_id
    return item


def message(
    customer: Customer,
    kind: str,
    content: Any = None,
    *,
    id: str,
    timestamp: int,
    context: Json | None = None,
    **extra: Any,
) -> Json:
    """One ``messages[]`` item: the content sits under the key named by its type."""
    item: Json = {}
    if context is not None:
        item["context"] = context
    if customer.wa_id:
        item["from"] = customer.wa_id
    if customer.user_id:
        item["from_user_id"] = customer.user_id
    item.update(id=id, timestamp=str(timestamp), type=kind)
    if content is not None:
        item[kind] = content
    item.update(extra)
    return item


def inbound(
    kind: str,
    content: Any = None,
    *,
    id: str,
    timestamp: int,
    customer: Customer = LENA,
    number: BusinessNumber = SUPPORT,
    context: Json | None = None,
    **extra: Any,
) -> Json:
    """A POST carrying one customer message."""
    item = message(customer, kind, content, id=id, timestamp=timestamp, context=context, **extra)
    return webhook(
        entry(messages_change(number, contacts=[contact(customer)], messages=[item]), waba_id=number.waba_id)
    )


def reply_to(our_wamid: str, number: BusinessNumber = SUPPORT) -> Json:
    """The ``context`` of a message answering (quoting, tapping a button of) one of ours."""
    return {"from": number.display_phone_number, "id": our_wamid}


def error(code: int, title: str, details: str, href: str = "") -> Json:
    """A webhook error object (statuses, messages and values share the shape)."""
    item: Json = {"code": code, "title": title, "message": title, "error_data": {"details": details}}
    if href:
        item["href"] = href
    return item


def status(
    id: str,
    state: str,
    *,
    timestamp: int,
    recipient: Customer = LENA,
    **extra: Any,
) -> Json:
    """One ``statuses[]`` item; ``extra`` adds ``conversation``, ``pricing``, ``errors``."""
    item: Json = {"id": id, "status": state, "timestamp": str(timestamp)}
    if recipient.wa_id:
        item["recipient_id"] = recipient.wa_id
    if recipient.user_id:
        item["recipient_user_id"] = recipient.user_id
    item.update(extra)
    return item


def statuses(
    *items: Json, number: BusinessNumber = SUPPORT, recipients: Iterable[Customer] = (LENA,)
) -> Json:
    """A POST with statuses of our messages (a failure carries no ``contacts``: pass none)."""
    return webhook(
        entry(
            messages_change(number, contacts=[contact(c) for c in recipients], statuses=items),
            waba_id=number.waba_id,
        )
    )


def pricing(category: str, *, kind: str = "regular", model: str = "PMP") -> Json:
    return {"billable": kind == "regular", "pricing_model": model, "type": kind, "category": category}


def template_status_update(
    event: str,
    *,
    template_id: int,
    name: str,
    language: str,
    category: str = "UTILITY",
    reason: str | None = "NONE",
    waba_id: str = SUPPORT.waba_id,
    time: int = T0,
) -> Json:
    """A ``message_template_status_update`` POST (the template id is an integer here)."""
    value = {
        "event": event,
        "message_template_id": template_id,
        "message_template_name": name,
        "message_template_language": language,
        "reason": reason,
        "message_template_category": category,
    }
    return webhook(entry(change("message_template_status_update", value), waba_id=waba_id, time=time))


def user_preferences(
    customer: Customer,
    value: str,
    *,
    timestamp: int,
    number: BusinessNumber = SUPPORT,
    category: str = "marketing_messages",
) -> Json:
    """G3: a ``user_preferences`` POST: the customer stopped or resumed marketing
    messages (the timestamp is an integer here)."""
    wanted = "stop" if value == "stop" else "resume"
    item: Json = {}
    if customer.wa_id:
        item["wa_id"] = customer.wa_id
    if customer.user_id:
        item["user_id"] = customer.user_id
    item.update(
        detail=f"User requested to {wanted} marketing messages",
        category=category,
        value=value,
        timestamp=timestamp,
    )
    change_value: Json = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": number.display_phone_number,
            "phone_number_id": number.phone_number_id,
        },
        "contacts": [contact(customer)],
        "user_preferences": [item],
    }
    return webhook(entry(change("user_preferences", change_value), waba_id=number.waba_id))


def message_echoes(*items: Json, number: BusinessNumber = SUPPORT) -> Json:
    """G4: a ``smb_message_echoes`` POST: what the business sent from the WhatsApp
    Business app on this number (coexistence)."""
    value: Json = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": number.display_phone_number,
            "phone_number_id": number.phone_number_id,
        },
        "message_echoes": list(items),
    }
    return webhook(entry(change("smb_message_echoes", value), waba_id=number.waba_id))


def echo(
    customer: Customer,
    kind: str,
    content: Any,
    *,
    id: str,
    timestamp: int,
    number: BusinessNumber = SUPPORT,
) -> Json:
    """One ``message_echoes[]`` item: from the business number to the customer."""
    item: Json = {"from": number.display_phone_number}
    if customer.wa_id:
        item["to"] = customer.wa_id
    if customer.user_id:
        item["to_user_id"] = customer.user_id
    item.update(id=id, timestamp=str(timestamp), type=kind)
    item[kind] = content
    return item


#: G4: what the shop's owner answered Lena from the WhatsApp Business app.
OUR_APP_ANSWER = wamid(LENA, "APP01ANSWER")


def phone_number_quality_update(
    event: str, *, limit: str, old_limit: str = "", number: BusinessNumber = SUPPORT, time: int = T0
) -> Json:
    """G5: Meta re-rated the number or changed its messaging limit (WABA-level: the number
    is named by its display number; ``current_limit`` is the deprecated twin of
    ``max_daily_conversations_per_business``)."""
    value: Json = {"display_phone_number": number.display_phone_number, "event": event}
    if old_limit:
        value["old_limit"] = old_limit
    value.update(current_limit=limit, max_daily_conversations_per_business=limit)
    return webhook(entry(change("phone_number_quality_update", value), waba_id=number.waba_id, time=time))


def account_update(event: str, *, number: BusinessNumber = SUPPORT, time: int = T0, **details: Any) -> Json:
    """G5: news about the account (a restriction, a violation, a verification…)."""
    value: Json = {"phone_number": number.display_phone_number, "event": event, **details}
    return webhook(entry(change("account_update", value), waba_id=number.waba_id, time=time))


# --- The named payloads ---------------------------------------------------------------

PAYLOADS: dict[str, Callable[[], Json]] = {}


def _named(builder: Callable[[], Json]) -> Callable[[], Json]:
    PAYLOADS[builder.__name__] = builder
    return builder


def payload(name: str) -> Json:
    """A fresh copy of the named payload (tests may change it)."""
    return PAYLOADS[name]()


@_named
def inbound_text() -> Json:
    return inbound("text", {"body": "Hello, my parcel 4471 has not arrived yet"}, id=LENA_TEXT, timestamp=T0)


@_named
def inbound_text_reply_context() -> Json:
    return inbound(
        "text",
        {"body": "Yes, Hauptstraße 5 is right"},
        id=LENA_REPLY,
        timestamp=T0 + 120,
        context=reply_to(OUR_ANSWER),
    )


@_named
def inbound_text_forwarded() -> Json:
    return inbound(
        "text",
        {"body": "Forwarded: your parcel is on its way"},
        id=LENA_FORWARD,
        timestamp=T0 + 240,
        context={"forwarded": True},
    )


@_named
def inbound_text_bsuid_only() -> Json:
    """From a customer with a username: no ``wa_id``/``from``, her BSUID instead."""
    return inbound(
        "text", {"body": "Do you deliver on Saturdays?"}, id=MAYA_TEXT, timestamp=T0, customer=MAYA
    )


@_named
def inbound_text_ctwa_referral() -> Json:
    """The first message of a customer who tapped a Click-to-WhatsApp ad of the sales line."""
    referral = {
        "source_url": "https://fb.me/7kQp2Rx",
        "source_id": "120231148805562917",
        "source_type": "ad",
        "body": "Spring sale: 20% off every city bike",
        "headline": "Ask us about frame sizes",
        "media_type": "video",
        "video_url": "https://video.example.net/spring-sale.mp4",
        "thumbnail_url": "https://video.example.net/spring-sale.jpg",
        "ctwa_clid": "ARAkLm3tQ9_vZcWJ0pX4nY7sHq2dK8fBgT1uRzE6oNiM5aPlCyV",
        "welcome_message": {"text": "Hi! Which bike caught your eye?"},
    }
    return inbound(
        "text",
        {"body": "Is the 54 cm frame still available?"},
        id=RAFAEL_FROM_AD,
        timestamp=T0 + 3600,
        customer=RAFAEL,
        number=SALES,
        referral=referral,
    )


@_named
def inbound_image() -> Json:
    image = {
        "caption": "The box arrived like this",
        "mime_type": "image/jpeg",
        "sha256": "CG1WLC1wxH/fKc+lgPl5UFRZQZGfbmqfXXaZsB1vXMM=",
        "id": "1498302716554210",
        "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1498302716554210&ext=1772530500&hash=ATs8kQ",
    }
    return inbound("image", image, id=LENA_IMAGE, timestamp=T0 + 300)


@_named
def inbound_video() -> Json:
    video = {
        "caption": "Unboxing: the bell is missing",
        "mime_type": "video/mp4",
        "sha256": "pyhzTTAvxuTuv9wjg9FgEgXESKI61LzcYEQHBcLCeIM=",
        "id": "1498302716554211",
    }
    return inbound("video", video, id=LENA_VIDEO, timestamp=T0 + 310, context={"forwarded": True})


@_named
def inbound_audio() -> Json:
    """An audio file she picked (not recorded): ``voice`` is false."""
    audio = {
        "mime_type": "audio/mpeg",
        "sha256": "XRyDSWJo3W0RBCR4rNM1p9hHw4tDEtrs7yuF41mOFAE=",
        "id": "1498302716554212",
        "voice": False,
    }
    return inbound("audio", audio, id=LENA_AUDIO, timestamp=T0 + 320)


@_named
def inbound_audio_voice() -> Json:
    audio = {
        "mime_type": "audio/ogg; codecs=opus",
        "sha256": "FERxG50Om8wlUC8mxX85zwNPHf3YsgM0WDEMS1UrMO8=",
        "id": "1498302716554213",
        "voice": True,
    }
    return inbound("audio", audio, id=LENA_VOICE, timestamp=T0 + 330)


@_named
def inbound_document() -> Json:
    document = {
        "caption": "The delivery note",
        "filename": "Lieferschein_März.pdf",
        "mime_type": "application/pdf",
        "sha256": "JWwxBMnYwY8R0XkYN2jevrzuzuPspZy5Lg5IzvkI7vk=",
        "id": "1498302716554214",
    }
    return inbound("document", document, id=LENA_DOCUMENT, timestamp=T0 + 340)


@_named
def inbound_sticker() -> Json:
    sticker = {
        "mime_type": "image/webp",
        "sha256": "+5KwPtZIaSyttYMpTmkdYsHCrj3lIHxyj4Q+b64b5c8=",
        "id": "1498302716554215",
        "animated": False,
    }
    return inbound("sticker", sticker, id=LENA_STICKER, timestamp=T0 + 350)


@_named
def inbound_location() -> Json:
    """A place (not her current position): name, address and link come with it."""
    location = {
        "latitude": 52.5219184,
        "longitude": 13.4132147,
        "name": "Packstation 142",
        "address": "Alexanderplatz 1, 10178 Berlin",
        "url": "https://www.openstreetmap.org/?mlat=52.5219184&mlon=13.4132147",
    }
    return inbound("location", location, id=LENA_LOCATION, timestamp=T0 + 400)


@_named
def inbound_contacts() -> Json:
    cards = [
        {
            "name": {"first_name": "Jonas", "last_name": "Becker", "formatted_name": "Jonas Becker"},
            "phones": [{"phone": "+49 151 23456789", "wa_id": "4915123456789", "type": "CELL"}],
        },
        {
            "name": {"first_name": "Mia", "formatted_name": "Mia"},
            "phones": [{"phone": "+49 30 1234567", "type": "HOME"}],
        },
        {
            "name": {"first_name": "Sofia", "last_name": "Rossi", "formatted_name": "Sofia Rossi"},
            "org": {"company": "Rossi Bikes"},
            "phones": [{"phone": "+39 06 1234 5678", "type": "WORK"}],
            "emails": [{"email": "sofia@rossi-bikes.example", "type": "WORK"}],
        },
    ]
    return inbound("contacts", cards, id=LENA_CONTACTS, timestamp=T0 + 410)


@_named
def inbound_interactive_button_reply() -> Json:
    choice = {"type": "button_reply", "button_reply": {"id": "reschedule-delivery", "title": "Reschedule"}}
    return inbound(
        "interactive", choice, id=LENA_BUTTON_CHOICE, timestamp=T0 + 500, context=reply_to(OUR_BUTTONS)
    )


@_named
def inbound_interactive_list_reply() -> Json:
    choice = {
        "type": "list_reply",
        "list_reply": {
            "id": "slot-tue-am",
            "title": "Tuesday morning",
            "description": "08:00-12:00 at your door",
        },
    }
    return inbound("interactive", choice, id=LENA_LIST_CHOICE, timestamp=T0 + 510, context=reply_to(OUR_LIST))


@_named
def inbound_interactive_nfm_reply() -> Json:
    """A completed WhatsApp Flow: its answers arrive as a JSON *string*."""
    answers = {"flow_token": "return-4471-7f3a", "reason": "wrong_size", "comment": "The helmet is too small"}
    choice = {
        "type": "nfm_reply",
        "nfm_reply": {"response_json": json.dumps(answers), "body": "Sent", "name": "flow"},
    }
    return inbound("interactive", choice, id=LENA_FLOW_REPLY, timestamp=T0 + 520, context=reply_to(OUR_FLOW))


@_named
def inbound_button_template_reply() -> Json:
    """A tap on a quick-reply button of a template we sent."""
    tap = {"payload": "TRACK_4471", "text": "Track my parcel"}
    return inbound("button", tap, id=LENA_TEMPLATE_TAP, timestamp=T0 + 530, context=reply_to(OUR_TEMPLATE))


@_named
def inbound_order() -> Json:
    order = {
        "catalog_id": "730418265903741",
        "text": "",
        "product_items": [
            {"product_retailer_id": "BELL-CLASSIC", "quantity": 2, "item_price": 7.5, "currency": "EUR"},
            {"product_retailer_id": "LOCK-U-180", "quantity": 1, "item_price": 39.9, "currency": "EUR"},
            {"product_retailer_id": "HELMET-M", "quantity": 1, "item_price": 59, "currency": "EUR"},
        ],
    }
    return inbound("order", order, id=LENA_ORDER, timestamp=T0 + 540)


@_named
def inbound_reaction() -> Json:
    return inbound(
        "reaction", {"message_id": OUR_ANSWER, "emoji": "👍"}, id=LENA_REACTION, timestamp=T0 + 600
    )


@_named
def inbound_reaction_removed() -> Json:
    """Taking the reaction back: the same shape without ``emoji`` (and the same message id)."""
    return inbound("reaction", {"message_id": OUR_ANSWER}, id=LENA_REACTION, timestamp=T0 + 660)


@_named
def inbound_system_user_changed_number() -> Json:
    """Lena moved to a new number: a system notice from the old one, with no ``contacts``."""
    notice = {
        "body": f"{LENA.name} changed from {LENA.wa_id} to {LENA_NEW_NUMBER}",
        "wa_id": LENA_NEW_NUMBER,
        "type": "user_changed_number",
    }
    old_number = Customer(wa_id=LENA.wa_id, name=LENA.name)
    item = message(old_number, "system", notice, id=LENA_NUMBER_CHANGE, timestamp=T0 + 86400)
    return webhook(entry(messages_change(SUPPORT, messages=[item]), waba_id=SUPPORT.waba_id))


@_named
def inbound_system_user_changed_number_bsuid() -> Json:
    """G2: Lena's number change as WhatsApp sends it since 2026: a new number and with it a
    new BSUID (``previous_user_id`` names the old one)."""
    notice = {
        "body": f"{LENA.name} changed from {LENA.wa_id} to {LENA_NEW_NUMBER}",
        "wa_id": LENA_NEW_NUMBER,
        "type": "user_changed_number",
        "user_id": LENA_NEW_USER_ID,
        "parent_user_id": LENA.parent_user_id,
        "previous_user_id": LENA.user_id,
        "previous_parent_user_id": LENA.parent_user_id,
    }
    old_number = Customer(wa_id=LENA.wa_id, name=LENA.name, user_id=LENA.user_id)
    item = message(old_number, "system", notice, id=LENA_NUMBER_CHANGE, timestamp=T0 + 86400)
    return webhook(entry(messages_change(SUPPORT, messages=[item]), waba_id=SUPPORT.waba_id))


@_named
def inbound_system_user_changed_user_id() -> Json:
    """G2: Maya (a username, no number) got a new BSUID: no ``from``, no ``contacts``; the
    notice names the previous and the new id."""
    notice = {
        "body": f"{MAYA.name}'s business-scoped user id changed",
        "type": "user_changed_user_id",
        "user_id": MAYA_NEW_USER_ID,
        "previous_user_id": MAYA.user_id,
    }
    item = {"id": MAYA_ID_CHANGE, "timestamp": str(T0 + 90000), "type": "system", "system": notice}
    return webhook(entry(messages_change(SUPPORT, messages=[item]), waba_id=SUPPORT.waba_id))


@_named
def inbound_text_bsuid_only_known_number() -> Json:
    """G2: Lena, who wrote with her number before, now chose a username: only her BSUID."""
    hidden = Customer(wa_id=None, name=LENA.name, user_id=LENA.user_id, username="lena.v")
    return inbound(
        "text", {"body": "Any news on 4471?"}, id=LENA_BSUID_ONLY, timestamp=T0 + 1800, customer=hidden
    )


@_named
def user_preferences_stop() -> Json:
    """G3: Rafael tapped "Stop" on a campaign of the sales line."""
    return user_preferences(RAFAEL, "stop", timestamp=T0 + 7500, number=SALES)


@_named
def user_preferences_resume() -> Json:
    return user_preferences(RAFAEL, "resume", timestamp=T0 + 9000, number=SALES)


@_named
def inbound_system_user_preference_changed() -> Json:
    """G3, the older form: a system message with ``marketing: stop``."""
    notice = {
        "body": "User requested to stop marketing messages",
        "marketing": "stop",
        "type": "user_preference_changed",
    }
    item = message(RAFAEL, "system", notice, id=wamid(RAFAEL, "3EB0F2PREF"), timestamp=T0 + 7400)
    return webhook(entry(messages_change(SALES, messages=[item]), waba_id=SALES.waba_id))


@_named
def smb_message_echo_text() -> Json:
    """G4: the owner answered Lena's first message from the WhatsApp Business app."""
    return message_echoes(
        echo(LENA, "text", {"body": "Hi Lena, I'm checking 4471 now"}, id=OUR_APP_ANSWER, timestamp=T0 + 60)
    )


@_named
def phone_number_quality_downgrade() -> Json:
    """G5: the support line's quality dropped and its limit with it."""
    return phone_number_quality_update("DOWNGRADE", limit="TIER_250", old_limit="TIER_2K", time=T0 + 86400)


@_named
def phone_number_quality_upgrade() -> Json:
    return phone_number_quality_update("UPGRADE", limit="TIER_10K", old_limit="TIER_2K", time=T0 + 2 * 86400)


@_named
def account_update_restricted() -> Json:
    """G5: the account may not start conversations for a while (a policy restriction)."""
    restriction = {"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expiration": T0 + 7 * 86400}
    return account_update("ACCOUNT_RESTRICTION", restriction_info=[restriction], time=T0 + 3600)


@_named
def inbound_unsupported() -> Json:
    unknown = error(131051, "Message type unknown", "Message type is currently not supported.")
    return inbound(
        "unsupported", {"type": "poll_update"}, id=LENA_UNSUPPORTED, timestamp=T0 + 700, errors=[unknown]
    )


@_named
def inbound_value_level_errors() -> Json:
    """A message WhatsApp could not give us the content of, the reason beside it in ``errors``."""
    item = message(LENA, "interactive", id=LENA_WITHOUT_CONTENT, timestamp=T0 + 710)
    problem = error(131000, "Something went wrong", "Unsupported webhook payload")
    return webhook(
        entry(
            messages_change(SUPPORT, contacts=[contact(LENA)], messages=[item], errors=[problem]),
            waba_id=SUPPORT.waba_id,
        )
    )


@_named
def inbound_request_welcome() -> Json:
    """She opened the chat for the first time (no content)."""
    return inbound("request_welcome", id=LENA_WELCOME, timestamp=T0 - 60)


@_named
def inbound_revoke() -> Json:
    return inbound("revoke", {"original_message_id": LENA_TEXT}, id=LENA_REVOKE, timestamp=T0 + 90)


@_named
def inbound_edit() -> Json:
    edit = {
        "original_message_id": LENA_TEXT,
        "message": {"type": "text", "text": {"body": "Hello, my parcel 4471 has still not arrived"}},
    }
    return inbound("edit", edit, id=LENA_EDIT, timestamp=T0 + 95)


@_named
def status_sent() -> Json:
    """Sent, with the conversation it opened and its (free) pricing."""
    conversation = {
        "id": "9f3c1e0b7a6d4c2e8b5a1f0e3d2c1b0a",
        "expiration_timestamp": str(T0 + 60 + 86400),
        "origin": {"type": "service"},
    }
    item = status(
        OUR_ANSWER,
        "sent",
        timestamp=T0 + 60,
        conversation=conversation,
        pricing=pricing("service", kind="free_customer_service"),
    )
    return statuses(item)


@_named
def status_sent_cbp() -> Json:
    """An older webhook (before per-message pricing): conversation-based pricing."""
    conversation = {
        "id": "4b2d8f6e1a3c5e7f9a0b2c4d6e8f0a1b",
        "expiration_timestamp": str(T0 + 65 + 86400),
        "origin": {"type": "utility"},
    }
    item = status(
        OUR_OFFER,
        "sent",
        timestamp=T0 + 65,
        conversation=conversation,
        pricing={"billable": True, "pricing_model": "CBP", "category": "utility"},
    )
    return statuses(item)


@_named
def status_delivered() -> Json:
    return statuses(status(OUR_ANSWER, "delivered", timestamp=T0 + 62))


@_named
def status_read() -> Json:
    return statuses(status(OUR_ANSWER, "read", timestamp=T0 + 95))


@_named
def status_played() -> Json:
    """She played our voice note (first play)."""
    return statuses(status(OUR_VOICE_NOTE, "played", timestamp=T0 + 200))


@_named
def status_delivered_bsuid() -> Json:
    """Delivered to a customer known only by her BSUID (and username)."""
    return statuses(status(OUR_ANSWER_TO_MAYA, "delivered", timestamp=T0 + 30), recipients=[MAYA])


@_named
def status_sent_pmp_marketing() -> Json:
    conversation = {
        "id": "c7e5a3b1d9f7e5c3a1b9d7f5e3c1a9b7",
        "expiration_timestamp": str(T0 + 7200 + 86400),
        "origin": {"type": "marketing"},
    }
    item = status(
        OUR_CAMPAIGN,
        "sent",
        timestamp=T0 + 7200,
        recipient=RAFAEL,
        conversation=conversation,
        pricing=pricing("marketing"),
    )
    return statuses(item, number=SALES, recipients=[RAFAEL])


@_named
def status_v24_minimal() -> Json:
    """From Graph API v24 on: no ``conversation`` and no ``pricing`` on most statuses."""
    return statuses(
        status(OUR_FOLLOW_UP, "sent", timestamp=T0 + 7300, recipient=RAFAEL),
        number=SALES,
        recipients=[RAFAEL],
    )


@_named
def status_failed() -> Json:
    """A marketing message WhatsApp held back; a failure carries no ``contacts`` block."""
    reason = error(
        131049,
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, this marketing message was not delivered "
        "to the user.",
        href="/documentation/business-messaging/whatsapp/support/error-codes",
    )
    item = status(OUR_CAMPAIGN, "failed", timestamp=T0 + 7210, recipient=RAFAEL, errors=[reason])
    return statuses(item, number=SALES, recipients=[])


@_named
def status_failed_130472() -> Json:
    reason = error(
        130472,
        "User's number is part of an experiment",
        "Failed to send message because this user's phone number is part of a Meta experiment.",
        href="https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    )
    return statuses(status(OUR_OFFER, "failed", timestamp=T0 + 70, errors=[reason]), recipients=[])


@_named
def template_status_update_approved() -> Json:
    return template_status_update(
        "APPROVED", template_id=918273645501928, name="parcel_delayed", language="en-GB", time=T0 - 3600
    )


@_named
def batch() -> Json:
    """Several entries, changes, messages and statuses in one POST.

    The support line's account: one change with messages of two customers (her contact
    listed second), one with statuses of our answer; the sales line's account: the ad reply.
    """
    jonas = Customer(wa_id="4915123456789", name="Jonas Becker", user_id="DE.2290417763358120")
    support = entry(
        messages_change(
            SUPPORT,
            contacts=[contact(jonas), contact(LENA)],
            messages=[
                message(LENA, "text", {"body": "Any news on 4471?"}, id=LENA_TEXT, timestamp=T0),
                message(
                    jonas,
                    "text",
                    {"body": "Hi, I ordered a helmet"},
                    id=wamid(jonas, "3EB0A1TEXT"),
                    timestamp=T0 + 5,
                ),
            ],
        ),
        messages_change(
            SUPPORT,
            contacts=[contact(LENA)],
            statuses=[
                status(OUR_ANSWER, "delivered", timestamp=T0 + 2),
                status(OUR_ANSWER, "read", timestamp=T0 + 3),
            ],
        ),
        waba_id=SUPPORT.waba_id,
    )
    sales = inbound_text_ctwa_referral()["entry"][0]
    return webhook(support, sales)


def send_message_response(to: Customer = LENA, id: str = OUR_SENT) -> Json:
    """The Graph API's answer to a send: accepted (not yet delivered), with the message id."""
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": f"+{to.wa_id}", "wa_id": to.wa_id}],
        "messages": [{"id": id}],
    }
