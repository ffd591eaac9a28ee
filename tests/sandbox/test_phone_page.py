"""P3: the phone page renders (escaped), its history endpoint, and its live socket."""

from __future__ import annotations

import json

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter

from sandbox import events
from sandbox.models import SandboxChat, SandboxMessage
from sandbox.routing import websocket_urlpatterns
from tests.factories import ChannelFactory
from tests.sandbox.conftest import CUSTOMER, PHONE_NUMBER_ID


class Socket(ApplicationCommunicator):
    """A WebSocket client for a consumer (channels.testing needs daphne, which we do not install)."""

    def __init__(self, path: str) -> None:
        scope = {"type": "websocket", "path": path, "query_string": b"", "headers": [], "subprotocols": []}
        super().__init__(URLRouter(websocket_urlpatterns), scope)

    async def connect(self) -> bool:
        await self.send_input({"type": "websocket.connect"})
        return (await self.receive_output(2))["type"] == "websocket.accept"

    async def receive_json_from(self, timeout: float = 2) -> dict:
        return json.loads((await self.receive_output(timeout))["text"])

    async def send_json_to(self, data: dict) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.django_db
class TestPage:
    def test_it_renders_a_chat_for_the_chosen_number_and_customer(self, client, business):
        response = client.get(
            "/sandbox/phone/",
            {"phone_number_id": PHONE_NUMBER_ID, "wa_id": "+49 151 12345678", "name": "Lena"},
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="sbx-chat"' in html
        assert "Demo support line" in html and "+15550001234" in html
        assert "sandbox/phone.js" in html
        config = response.context["config"]
        assert (config["phone_number_id"], config["wa_id"], config["profile_name"]) == (
            PHONE_NUMBER_ID,
            CUSTOMER,
            "Lena",
        )
        assert "script-src 'self'" in response["Content-Security-Policy"]

    def test_it_needs_no_login(self, client, business):
        assert client.get("/sandbox/phone/").status_code == 200

    def test_without_numbers_it_says_how_to_make_one(self, client, db):
        response = client.get("/sandbox/phone/")
        assert response.status_code == 200
        assert "seed_demo" in response.content.decode()

    def test_a_bad_customer_number_is_ignored(self, client, business):
        response = client.get("/sandbox/phone/", {"wa_id": "<b>"})
        assert response.status_code == 200
        assert response.context["wa_id"] == ""

    def test_hostile_names_are_escaped(self, client, business):
        business.name = HOSTILE
        business.save()
        SandboxChat.objects.create(channel=business, wa_id=CUSTOMER, profile_name=HOSTILE)
        response = client.get("/sandbox/phone/", {"wa_id": CUSTOMER, "name": HOSTILE})
        html = response.content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert" in html
        # the page's configuration is JSON in a non-executable script element, with < escaped
        assert "\\u003Cscript\\u003Ealert" in html

    def test_it_lists_recent_customers(self, client, business):
        SandboxChat.objects.create(channel=business, wa_id="34611223344", profile_name="Jorge")
        html = client.get("/sandbox/phone/").content.decode()
        assert "+34611223344" in html and "Jorge" in html

    def test_it_is_mounted_because_the_test_settings_enable_the_sandbox(self):
        """waproject.urls mounts sandbox/ only when WHATSAPP_SANDBOX_ENABLED (read at import)."""
        from waproject import urls

        assert any(str(p.pattern) == "sandbox/" for p in urls.urlpatterns)


@pytest.mark.django_db
class TestHistory:
    def test_history_lists_both_directions_with_media_links(
        self, client, graph_send, customer_wrote, business
    ):
        from tests.sandbox.test_graph_api import upload_png

        customer_wrote()
        media_id = upload_png(client)
        graph_send({"type": "image", "image": {"id": media_id, "caption": HOSTILE}})
        response = client.get(
            "/sandbox/phone/api/history", {"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER}
        )
        assert response.status_code == 200
        data = response.json()
        assert data["chat"]["wa_id"] == CUSTOMER
        (message,) = data["messages"]
        assert message["direction"] == "business"
        assert message["content"]["caption"] == HOSTILE  # data, escaped by the page's DOM code
        assert message["media_url"].startswith("/sandbox/phone/media/")
        image = client.get(message["media_url"])
        assert image.status_code == 200
        assert image["Content-Type"] == "image/png"
        assert image["X-Content-Type-Options"] == "nosniff"
        # the one secure file response of the product: never run as a page in our origin
        assert image["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert client.get("/sandbox/phone/media/forged:value/").status_code == 404

    def test_a_new_customer_has_an_empty_history(self, client, business):
        response = client.get(
            "/sandbox/phone/api/history", {"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER}
        )
        assert response.json() == {"chat": None, "messages": []}

    def test_chats_and_calls_lists(self, client, graph_send, customer_wrote, business):
        customer_wrote()
        graph_send({"text": {"body": "Hello"}})
        chats = client.get("/sandbox/phone/api/chats", {"phone_number_id": PHONE_NUMBER_ID}).json()["chats"]
        assert [c["wa_id"] for c in chats] == [CUSTOMER]
        calls = client.get("/sandbox/phone/api/calls", {"phone_number_id": PHONE_NUMBER_ID}).json()["calls"]
        assert calls[0]["request_body"]["text"] == {"body": "Hello"}
        assert calls[0]["response_status"] == 200


@pytest.mark.django_db(transaction=True)
class TestSocket:
    async def connect(self, phone_number_id: str = PHONE_NUMBER_ID, wa_id: str = CUSTOMER) -> Socket:
        return Socket(f"/ws/sandbox/phone/{phone_number_id}/{wa_id}/")

    async def test_business_messages_arrive_live(self):
        channel = await database_sync_to_async(ChannelFactory)(
            phone_number_id=PHONE_NUMBER_ID, access_token="t"
        )
        chat = await database_sync_to_async(SandboxChat.objects.create)(channel=channel, wa_id=CUSTOMER)
        communicator = await self.connect()
        assert await communicator.connect()
        # when: a message is recorded and the event leaves after commit
        message = await database_sync_to_async(SandboxMessage.objects.create)(
            chat=chat,
            wamid="wamid.live",
            direction="business",
            type="text",
            content={"body": "Hi"},
            status="accepted",
        )
        await database_sync_to_async(events.message_changed)(message)
        # then
        frame = await communicator.receive_json_from(timeout=2)
        assert frame["type"] == "message"
        assert (frame["message"]["wamid"], frame["message"]["content"]) == ("wamid.live", {"body": "Hi"})
        await communicator.disconnect()

    async def test_chat_events_are_relayed_and_commands_refused(self, db):
        await database_sync_to_async(ChannelFactory)(phone_number_id=PHONE_NUMBER_ID)
        communicator = await self.connect()
        assert await communicator.connect()
        await get_channel_layer().group_send(
            events.phone_group(PHONE_NUMBER_ID, CUSTOMER),
            {"type": "sandbox.chat", "chat": {"typing_until": None}},
        )
        assert await communicator.receive_json_from(timeout=2) == {
            "type": "chat",
            "chat": {"typing_until": None},
        }
        await communicator.send_json_to({"command": "send"})
        assert (await communicator.receive_json_from(timeout=2))["type"] == "error"
        await communicator.disconnect()

    async def test_an_unknown_number_is_refused(self, db):
        communicator = await self.connect(phone_number_id="999")
        assert not await communicator.connect()


def test_the_socket_route_only_takes_ids():
    pattern = websocket_urlpatterns[0].pattern
    assert pattern.match(f"ws/sandbox/phone/{PHONE_NUMBER_ID}/{CUSTOMER}/")
    assert not pattern.match("ws/sandbox/phone/x.y/123/")
    assert not pattern.match(f"ws/sandbox/phone/{PHONE_NUMBER_ID}/lena/")
    assert json.dumps(events.phone_group(PHONE_NUMBER_ID, CUSTOMER)).isascii()
