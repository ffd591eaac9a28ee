"""U4: the refusals the services raise reach a person in the request's language (the agent
profile's, else the browser's Accept-Language, else English), with their stable codes; what
is stored stays English.

The API's requests take the profile's language from the session, which the console's page
keeps (``ProfileLanguageMiddleware``): these tests open the console first, as an agent does.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from console.consumers import AgentConsumer
from conversations import options
from conversations.media import MediaRejected, check_inbound_download
from conversations.models import Attachment, Interaction, Message, Offer, OptionValue
from conversations.preferences import marketing_refusal
from conversations.services import media as media_services
from conversations.services.sending import interaction_outbox_flush
from templates_app.models import MessageTemplate
from tests.cloud_api import LENA, payload
from tests.factories import (
    AgentProfileFactory,
    ContactFactory,
    InteractionFactory,
    MessageFactory,
    QueueFactory,
)
from tests.graph_standin import start_graph_standin

pytestmark = pytest.mark.django_db


def signed_in(client, *, language: str = ""):
    """An agent (profile language ``language``) signed in, the console opened once."""
    profile = AgentProfileFactory(language=language)
    client.force_login(profile.user)
    assert client.get("/console/").status_code == 200
    return profile


def label(choice, language: str) -> str:
    with translation.override(language):
        return str(choice.label)


def transfer_parked(client, profile, **headers):
    interaction = InteractionFactory(owner=profile.user, state=Interaction.State.PARKED)
    return client.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/",
        {"queue_id": QueueFactory().pk},
        content_type="application/json",
        **headers,
    )


class TestTheApi:
    def test_a_refusal_in_the_profiles_language_with_its_code_and_the_state_translated(self, client):
        profile = signed_in(client, language="de")
        response = transfer_parked(client, profile, HTTP_ACCEPT_LANGUAGE="en")  # the profile wins
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "conflict"
        in_a_workbin = label(Interaction.State.PARKED, "de")
        assert in_a_workbin != "In a workbin"
        assert error["message"] == (
            f"nur eine laufende Konversation kann weitergeleitet werden (diese: {in_a_workbin})"
        )

    def test_english_by_default(self, client):
        profile = signed_in(client)
        error = transfer_parked(client, profile).json()["error"]
        assert (
            error["message"] == "only an interaction in progress can be transferred (this one: In a workbin)"
        )

    def test_the_browsers_language_without_a_profile_language(self, client):
        profile = signed_in(client)
        error = transfer_parked(client, profile, HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9").json()["error"]
        assert error["message"] == (
            "somente um atendimento em andamento pode ser transferido "
            f"(este: {label(Interaction.State.PARKED, 'pt-br')})"
        )

    def test_reacting_outside_the_window_in_brazilian_portuguese(self, client, channel):
        profile = signed_in(client)
        interaction = InteractionFactory(
            channel=channel,
            owner=profile.user,
            contact__wa_id=LENA.wa_id,
            last_inbound_at=timezone.now() - timedelta(days=2),
            window_expires_at=timezone.now() - timedelta(hours=1),
        )
        message = MessageFactory(interaction=interaction, wamid="wamid.customer-1")
        response = client.post(
            f"/api/v1/interactions/{interaction.pk}/messages/{message.pk}/reaction/",
            {"emoji": "👍"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="pt-br",
        )
        assert response.status_code == 409
        assert response.json()["error"] == {
            "code": "window_closed",
            "message": "a janela de atendimento de 24 horas está fechada: não é possível enviar uma "
            "reação até o cliente escrever de novo",
        }

    @pytest.mark.parametrize(
        ("language", "message"),
        [
            ("de", "Kontakt 999999 existiert nicht, oder sein Verlauf ist für Sie nicht sichtbar"),
            ("", "contact 999999 does not exist or its history is not yours to see"),
        ],
    )
    def test_a_contact_not_found(self, client, language, message):
        signed_in(client, language=language)
        response = client.get("/api/v1/contacts/999999/history/")
        assert response.status_code == 404
        assert response.json()["error"] == {"code": "not_found", "message": message}

    def test_a_serializers_own_check_in_german(self, client):
        signed_in(client, language="de")
        response = client.post(
            "/api/v1/outbound-sessions/", {"template_id": 1}, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "geben Sie genau eines davon an: phone oder contact_id"

    def test_a_body_the_parser_refuses_in_german(self, client):
        profile = signed_in(client, language="de")
        interaction = InteractionFactory(owner=profile.user, state=Interaction.State.ACTIVE)
        response = client.post(
            f"/api/v1/interactions/{interaction.pk}/transfer/",
            '{"queue_id": 1, "note": "a\\u0000b"}',
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "note: Text darf keine NUL-Zeichen enthalten"

    def test_an_answered_offer_in_german(self, client):
        profile = signed_in(client, language="de")
        offer = Offer.objects.create(
            interaction=InteractionFactory(state=Interaction.State.ACTIVE, owner=profile.user),
            agent=profile.user,
            state=Offer.State.EXPIRED,
            due_at=timezone.now(),
        )
        response = client.post(f"/api/v1/offers/{offer.pk}/accept/")
        assert response.status_code == 409
        assert response.json()["error"] == {
            "code": "offer_expired",
            "message": "dieses Angebot ist bereits abgelaufen",
        }


def test_the_sign_out_preview_summary_in_german(client, channel):
    profile = signed_in(client, language="de")
    for name in ("Lena Vogel", "Max Mustermann"):
        InteractionFactory(
            channel=channel, owner=profile.user, state=Interaction.State.ACTIVE, contact__name=name
        )
    preview = client.get("/api/v1/agent/me/sign-out/").json()
    assert preview["conversations"] == 2
    assert preview["summary"] == (
        "Ihre 2 offenen Konversationen (Lena Vogel, Max Mustermann) kommen in Ihren Arbeitskorb "
        "„My workbin“ und verlassen Ihre Konsole: Öffnen Sie sie dort, wenn Sie zurück sind. "
        "Ein Kunde, der inzwischen schreibt, wird erneut als neue Arbeit an einen Agenten "
        "weitergeleitet, der Bereit ist."
    )


def test_a_refusal_that_is_also_stored_is_stored_in_english(client, sales_channel, post_webhook):
    """G3: the stop of marketing messages refuses the agent in their language, and fails a
    message queued before it with the English reason (the stored text is English)."""
    post_webhook(payload("user_preferences_stop"))
    profile = signed_in(client, language="de")
    interaction = InteractionFactory(
        contact=ContactFactory._meta.model.objects.get(),
        channel=sales_channel,
        owner=profile.user,
        state="active",
    )
    template = MessageTemplate.objects.create(
        name="spring_sale", language="en_US", status="APPROVED", category="MARKETING", body="Hi {{1}}"
    )
    content = {"template_id": template.pk}
    with translation.override("de"):
        told = marketing_refusal(
            contact=interaction.contact, message_type="template", content=content, translated=True
        )
        stored = marketing_refusal(contact=interaction.contact, message_type="template", content=content)
    assert told.startswith("der Kunde hat Marketingnachrichten dieses Unternehmens am ")
    assert stored.startswith("the customer stopped marketing messages from this business on ")
    response = client.post(
        f"/api/v1/interactions/{interaction.pk}/messages/",
        {"type": "template", "template_id": template.pk, "parameters": {"body": ["Rafael"]}},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "marketing_stopped", "message": told}

    queued = MessageFactory(
        interaction=interaction,
        direction=Message.Direction.OUTBOUND,
        type=Message.Type.TEMPLATE,
        status=Message.Status.QUEUED,
        content=content,
        wamid=None,
    )
    with translation.override("de"):  # an in-process send after a German request
        interaction_outbox_flush(interaction_id=interaction.pk)
    queued.refresh_from_db()
    assert queued.status == Message.Status.FAILED
    assert queued.error_details == stored


def upload(client, name: str, data: bytes, **headers):
    return client.post("/api/v1/attachments/", {"file": SimpleUploadedFile(name, data)}, **headers)


class TestAnUpload:
    """M2: a file refused for its type, its size or its encoding, answered to the agent
    uploading it in their language (sizes with the language's decimal sign)."""

    def test_refused_in_german_for_a_german_agent(self, client):
        profile = signed_in(client, language="de")
        response = upload(client, "setup.exe", b"MZ" + b"\0" * 100, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "media_rejected"
        assert response.json()["error"]["message"] == (
            "setup.exe ist kein Dateityp, den WhatsApp akzeptiert (erkannt: application/x-msdownload); "
            "es akzeptiert JPEG- und PNG-Bilder, MP4- und 3GPP-Videos, AAC-, AMR-, MP3-, M4A- und "
            "OGG-Audio, PDF-, Text-, Word-, Excel- und PowerPoint-Dokumente sowie WEBP-Sticker"
        )
        OptionValue.objects.create(key="whatsappsession.attachment-max-size", value=1000, agent=profile.user)
        options.invalidate()
        response = upload(client, "notes.txt", b"x" * 1500)
        assert response.json()["error"] == {
            "code": "media_rejected",
            "message": "notes.txt ist 1,5 KB groß; Anhänge sind hier auf 1000 Byte begrenzt",
        }
        stereo_opus = b"OggS" + b"\0" * 22 + b"\x01\x13" + b"OpusHead\x01\x02" + b"\0" * 10
        response = upload(client, "note.ogg", stereo_opus)
        assert response.json()["error"]["message"] == (
            "note.ogg: das OPUS-Audio hat 2 Kanäle; WhatsApp akzeptiert nur Mono-OPUS-Audio"
        )
        response = upload(client, "scan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
        assert response.json()["error"]["message"] == (
            "scan.png: der PNG-Header ist beschädigt oder unvollständig"
        )
        # A palette screenshot is still converted for WhatsApp (read in English), not refused.
        screenshot = io.BytesIO()
        Image.new("P", (8, 8), 1).save(screenshot, "PNG")
        assert upload(client, "screenshot.png", screenshot.getvalue()).status_code == 201

    def test_refused_in_english_by_default(self, client):
        profile = signed_in(client)
        OptionValue.objects.create(key="whatsappsession.attachment-max-size", value=1000, agent=profile.user)
        options.invalidate()
        response = upload(client, "notes.txt", b"x" * 1500)
        assert response.json()["error"] == {
            "code": "media_rejected",
            "message": "notes.txt is 1.5 KB; attachments here are limited to 1000 bytes",
        }

    def test_a_customers_failed_download_stores_its_reason_in_english(self, settings, channel):
        """The same checks on a customer's file store the reason (``last_error``): English,
        even when the download runs in process after a German request."""
        graph = start_graph_standin()
        settings.WHATSAPP_GRAPH_BASE_URL = graph.base_url
        data = b"%PDF-1.4 twelve"
        attachment = Attachment.objects.create(
            message=MessageFactory(interaction=InteractionFactory(channel=channel), type="document"),
            kind="document",
            media_id="media-de",
            sha256=hashlib.sha256(data).hexdigest(),
        )
        info = {"url": f"{graph.base_url}/d/media-de", "mime_type": "application/pdf", "id": "media-de"}
        graph.reply_json(200, {**info, "file_size": len(data) + 1})
        graph.reply(200, data, content_type="application/pdf")
        try:
            with translation.override("de"):
                failed = media_services.attachment_download(attachment_id=attachment.pk)
                with pytest.raises(MediaRejected) as too_large:
                    check_inbound_download(data=b"x" * 1500, max_size=1000)
        finally:
            graph.close()
        assert failed.state == Attachment.State.FAILED
        assert (
            failed.last_error
            == f"the downloaded file is {len(data)} bytes but WhatsApp announced {len(data) + 1} bytes"
        )
        assert too_large.value.message == "the downloaded file is 1.5 KB; the limit is 1000 bytes"


def test_a_retry_refusal_names_the_status_in_german(client):
    profile = signed_in(client, language="de")
    message = MessageFactory(
        interaction=InteractionFactory(owner=profile.user, state=Interaction.State.ACTIVE),
        direction=Message.Direction.OUTBOUND,
        status=Message.Status.QUEUED,
        wamid=None,
    )
    response = client.post(f"/api/v1/messages/{message.pk}/retry/")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "not_failed",
        "message": "nur fehlgeschlagene Nachrichten können erneut gesendet werden (diese: In der Warteschlange)",
    }
    with translation.override("pt-br"):
        assert str(Message.Status.ACCEPTED.label) == "Aceita pelo WhatsApp"


@pytest.mark.django_db(transaction=True)
class TestTheSocket:
    @staticmethod
    async def connect(user, headers=()) -> WebsocketCommunicator:
        communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/", headers=list(headers))
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        assert (await communicator.receive_json_from())["type"] == "hello"
        return communicator

    async def test_error_frames_in_the_profiles_language(self):
        profile = await database_sync_to_async(AgentProfileFactory)(language="de")
        communicator = await self.connect(profile.user, [(b"accept-language", b"pt-BR")])
        await communicator.send_json_to({"command": "drop_tables"})
        assert await communicator.receive_json_from() == {
            "type": "error",
            "code": "unknown_command",
            "message": "unbekannter Befehl 'drop_tables'; siehe docs/console-protocol.md",
        }
        # A refusal raised by a service in a worker thread (database_sync_to_async) too.
        await communicator.send_json_to({"command": "board", "filters": {}})
        assert await communicator.receive_json_from() == {
            "type": "error",
            "code": "not_a_supervisor",
            "message": "nur Supervisoren sehen die Übersicht",
        }
        await communicator.disconnect()

    async def test_error_frames_in_the_browsers_language_else_english(self):
        profile = await database_sync_to_async(AgentProfileFactory)()
        communicator = await self.connect(profile.user, [(b"accept-language", b"pt-BR,pt;q=0.9")])
        await communicator.send_json_to({"command": "subscribe", "interaction_ids": "all"})
        error = await communicator.receive_json_from()
        assert error["message"].startswith("interaction_ids deve ser uma lista de ids")
        await communicator.disconnect()

        communicator = await self.connect(profile.user)
        await communicator.send_json_to({"command": "subscribe", "interaction_ids": "all"})
        error = await communicator.receive_json_from()
        assert error["message"].startswith("interaction_ids must be a list of ids")
        await communicator.disconnect()
