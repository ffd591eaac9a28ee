"""G5 in the sandbox: it keeps the number's health as Meta does (GET /<phone_number_id>),
posts ``phone_number_quality_update`` when the rating or the limit changes, and paces
sends (130429 / 131056) when told; our service follows, shows it in the admin, and sends
a paced message once, after the pause. The Graph API version is the newest implemented."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from conversations.models import Channel, Interaction, Message
from conversations.services import sending
from conversations.services.outbound import OutboundSpec, message_send
from sandbox.models import SandboxMessage
from tests.factories import AgentProfileFactory, UserFactory
from tests.sandbox.conftest import PHONE_NUMBER_ID, TOKEN
from waproject.embedded import runner
from whatsapp.limits import GRAPH_API_VERSION, GRAPH_API_VERSIONS

pytestmark = pytest.mark.django_db(transaction=True)


def number(client, **fields):
    body = {"phone_number_id": PHONE_NUMBER_ID, **fields}
    return client.post("/sandbox/phone/api/number", json.dumps(body), content_type="application/json")


def test_a_quality_drop_reaches_the_channel_and_the_admin(live, client, business):
    answer = number(client, quality_rating="RED", messaging_limit="TIER_250")
    assert answer.status_code == 200, answer.content
    assert answer.json()["webhook"]["ok"] and answer.json()["number"]["quality_rating"] == "RED"
    channel = Channel.objects.get()
    assert channel.messaging_limit == "TIER_250" and channel.quality_dropped_at is not None

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/conversations/channel/",
        {"action": "pull_number_health", "_selected_action": [channel.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "quality RED, limit TIER_250, status CONNECTED" in response.content.decode()
    channel.refresh_from_db()
    assert (channel.quality_rating, channel.number_status) == ("RED", "CONNECTED")
    listing = client.get("/admin/conversations/channel/").content.decode()
    assert "⚠ RED: quality dropped on" in listing
    page = client.get(f"/admin/conversations/channel/{channel.pk}/change/").content.decode()
    assert "Number health at Meta" in page


def test_the_number_endpoint_answers_like_meta(client, business):
    path = f"/sandbox/graph/{GRAPH_API_VERSION}/{PHONE_NUMBER_ID}"
    answer = client.get(path, {"fields": "quality_rating,throughput"}, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "quality_rating": "GREEN",
        "throughput": {"level": "STANDARD"},
        "id": PHONE_NUMBER_ID,
    }
    assert (
        client.get(path, {"fields": "nope"}, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()["error"]["code"]
        == 100
    )
    assert client.get(path).status_code in (400, 401)  # no token


def test_versions(client, business):
    assert GRAPH_API_VERSIONS[-1] == settings.WHATSAPP_API_VERSION
    old = client.get(f"/sandbox/graph/v19.0/{PHONE_NUMBER_ID}", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert old.json()["error"]["code"] == 2635
    future = client.get(f"/sandbox/graph/v99.0/{PHONE_NUMBER_ID}", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert future.json()["error"]["code"] == 2500


def test_bad_number_input(client, business):
    assert number(client, quality_rating="PURPLE").status_code == 400
    assert number(client, pacing={"code": 131047, "times": 1}).status_code == 400
    assert number(client, pacing="often").status_code == 400


@pytest.mark.parametrize("code", [130429, 131056])
def test_a_paced_message_waits_then_leaves_once(live, client, business, phone_send, monkeypatch, code):
    monkeypatch.setattr(sending, "BACKOFF_BASE_SECONDS", 0.05)
    monkeypatch.setattr(sending, "PAIR_RATE_SECONDS", 0.1)
    agent = AgentProfileFactory().user
    phone_send({"type": "text", "text": "Hello?"})
    interaction = Interaction.objects.get()
    Interaction.objects.filter(pk=interaction.pk).update(owner=agent, state=Interaction.State.ACTIVE)
    assert number(client, pacing={"code": code, "times": 1}).status_code == 200

    message_send(user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Here!"))
    assert runner.wait_idle(15)
    message = Message.objects.get(direction="out")
    assert message.status in ("accepted", "sent", "delivered") and message.wamid
    assert SandboxMessage.objects.filter(direction="business").count() == 1  # sent once
    assert message.send_attempts == 2
