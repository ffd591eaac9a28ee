"""G2 / G3 in the sandbox: the phone plays a customer who chooses a username that hides
the number, changes number (a new BSUID comes with it) or BSUID, and stops or resumes
marketing messages; each change reaches OUR webhook as Meta sends it, and our service
keeps one contact through all of them."""

from __future__ import annotations

import json

import pytest

from conversations.models import Contact, Interaction, Message
from sandbox.models import SandboxChat, SandboxMessage, WebhookPost
from tests.sandbox.conftest import CUSTOMER, PHONE_NUMBER_ID

NEW_NUMBER = "4915199990000"


def identity(client, **fields):
    body = {"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER, **fields}
    return client.post("/sandbox/phone/api/identity", json.dumps(body), content_type="application/json")


def marketing(client, value, wa_id=CUSTOMER):
    body = {"phone_number_id": PHONE_NUMBER_ID, "wa_id": wa_id, "value": value}
    return client.post("/sandbox/phone/api/marketing", json.dumps(body), content_type="application/json")


def last_value(kind: str = "messages") -> dict:
    post = WebhookPost.objects.order_by("-id").first()
    assert post is not None
    change = json.loads(post.body)["entry"][0]["changes"][0]
    assert change["field"] == kind
    return change["value"]


def only_contact() -> Contact:
    contacts = list(Contact.objects.all())
    assert len(contacts) == 1, [(c.wa_id, c.user_id) for c in contacts]
    return contacts[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("business")
class TestTheCustomerIdentity:
    def test_every_message_carries_the_bsuid(self, live, phone_send):
        phone_send({"type": "text", "text": "Hello"})
        chat = SandboxChat.objects.get()
        assert chat.user_id.startswith("ZZ.")
        item = last_value()["messages"][0]
        assert (item["from"], item["from_user_id"]) == (CUSTOMER, chat.user_id)
        assert only_contact().user_id == chat.user_id

    def test_a_username_that_hides_the_number(self, live, client, phone_send):
        phone_send({"type": "text", "text": "Hello"})
        answer = identity(client, username="@Lena.V", hides_number=True)
        assert answer.status_code == 200, answer.content
        assert answer.json()["chat"]["username"] == "lena.v" and answer.json()["webhook"] is None
        phone_send({"type": "text", "text": "Me again"})

        value = last_value()
        assert "wa_id" not in value["contacts"][0] and "from" not in value["messages"][0]
        assert value["contacts"][0]["profile"]["username"] == "lena.v"
        lena = only_contact()
        assert (lena.wa_id, lena.username) == (CUSTOMER, "lena.v")
        # U2: her profile name comes before the username; the number the business already had
        # (from her first message) still tells her apart; "@lena.v" is in the address line
        assert lena.display_name == f"Lena Vogel …{CUSTOMER[-4:]}"
        assert Interaction.objects.count() == 1

    def test_a_number_change_brings_a_new_bsuid_and_keeps_the_contact(self, live, client, phone_send):
        phone_send({"type": "text", "text": "Hello"})
        old_user_id = SandboxChat.objects.get().user_id
        answer = identity(client, new_wa_id="+" + NEW_NUMBER)
        assert answer.status_code == 200, answer.content
        assert answer.json()["webhook"]["ok"]

        notice = last_value()["messages"][0]
        assert notice["from"] == CUSTOMER and notice["system"]["type"] == "user_changed_number"
        chat = SandboxChat.objects.get()
        assert (chat.wa_id, notice["system"]["previous_user_id"]) == (NEW_NUMBER, old_user_id)
        lena = only_contact()
        assert (lena.wa_id, lena.user_id) == (NEW_NUMBER, chat.user_id)
        phone_send({"type": "text", "text": "My new number"}, wa_id=NEW_NUMBER)
        assert only_contact().pk == lena.pk and Interaction.objects.count() == 1

    def test_a_bsuid_change_keeps_the_contact(self, live, client, phone_send):
        phone_send({"type": "text", "text": "Hello"})
        identity(client, username="lena.v", hides_number=True)
        assert identity(client, new_user_id=True).status_code == 200
        notice = last_value()["messages"][0]
        assert "from" not in notice and notice["system"]["type"] == "user_changed_user_id"
        assert only_contact().user_id == SandboxChat.objects.get().user_id
        assert Interaction.objects.get().customer_user_id == SandboxChat.objects.get().user_id

    def test_bad_identity_input(self, client, business, customer_wrote):
        customer_wrote()
        assert identity(client, username="x").status_code == 400
        assert identity(client, hides_number="yes").status_code == 400
        assert identity(client, new_wa_id=CUSTOMER).status_code == 409
        assert identity(client, wa_id="4915100000000", new_user_id=True).status_code == 404


@pytest.mark.django_db
class TestSendingToABsuid:
    def test_a_send_to_the_bsuid_reaches_the_chat(self, graph_send, customer_wrote):
        chat = customer_wrote()
        chat.refresh_from_db()
        chat.user_id = "ZZ.1234567890"
        chat.save()
        response = graph_send({"to": None, "recipient": chat.user_id, "type": "text", "text": {"body": "Hi"}})
        assert response.status_code == 200, response.content
        assert response.json()["contacts"] == [{"input": chat.user_id, "user_id": chat.user_id}]
        assert SandboxMessage.objects.get(direction="business").chat == chat

    def test_an_old_bsuid_reaches_nobody(self, graph_send, customer_wrote):
        customer_wrote()
        response = graph_send({"to": None, "recipient": "ZZ.999", "type": "text", "text": {"body": "Hi"}})
        assert response.status_code == 400 and response.json()["error"]["code"] == 131026


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("business")
class TestMarketingPreference:
    def test_stop_and_resume_reach_our_contact(self, live, client, phone_send):
        phone_send({"type": "text", "text": "Hello"})
        assert marketing(client, "stop").status_code == 200
        preference = last_value("user_preferences")["user_preferences"][0]
        assert (preference["value"], preference["category"], preference["wa_id"]) == (
            "stop",
            "marketing_messages",
            CUSTOMER,
        )
        assert only_contact().marketing_preference == "stop"
        marketing(client, "resume")
        assert only_contact().marketing_preference == "resume"
        assert Message.objects.count() == 1  # preferences are no messages

    def test_bad_value(self, client, business, customer_wrote):
        customer_wrote()
        assert marketing(client, "maybe").status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("business")
class TestBusinessAppEchoes:
    """G4: the sandbox plays the WhatsApp Business app on the same number."""

    def test_an_echo_reaches_our_transcript_as_the_business_app(self, live, client, phone_send):
        phone_send({"type": "text", "text": "Hello"})
        body = {"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER, "text": "Hi from the shop"}
        answer = client.post("/sandbox/phone/api/echo", json.dumps(body), content_type="application/json")
        assert answer.status_code == 200, answer.content
        assert answer.json()["webhook"]["ok"]
        item = last_value("smb_message_echoes")["message_echoes"][0]
        assert (item["to"], item["text"]) == (CUSTOMER, {"body": "Hi from the shop"})
        echo = Message.objects.get(direction="out")
        assert echo.from_business_app and echo.body == "Hi from the shop"
        assert Interaction.objects.get().awaiting_reply_since is None

    def test_an_empty_echo_is_refused(self, client, customer_wrote):
        customer_wrote()
        body = {"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER, "text": " "}
        answer = client.post("/sandbox/phone/api/echo", json.dumps(body), content_type="application/json")
        assert answer.status_code == 400
