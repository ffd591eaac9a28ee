"""R8: assign an interaction from an unknown number to a known contact (and merge)."""

from __future__ import annotations

import pytest

from conversations.models import Contact, Interaction, Message
from tests.cloud_api import LENA, payload
from tests.factories import (
    DIRECTORY,
    AgentProfileFactory,
    ContactFactory,
    InteractionFactory,
    MessageFactory,
    grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    return grant(AgentProfileFactory().user, DIRECTORY)  # finds the known contact in the directory


def test_assigning_moves_the_history_and_the_number_keeps_reaching_the_contact(
    client, agent, channel, post_webhook
):
    known = ContactFactory(wa_id="4915100000009", name="Dana Smith (CRM)")
    old = InteractionFactory(channel=channel, contact=known, state="closed")
    MessageFactory(interaction=old, body="from last year")
    assert post_webhook(payload("inbound_text")).status_code == 200  # a new number writes
    current = Interaction.objects.get(state="queued")
    Interaction.objects.filter(pk=current.pk).update(state="active", owner=agent)
    client.force_login(agent)
    response = client.post(
        f"/api/v1/interactions/{current.pk}/assign-contact/",
        {"contact_id": known.pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    current.refresh_from_db()
    assert current.contact == known
    assert set(Message.objects.filter(contact=known).values_list("body", flat=True)) == {
        "from last year",
        "Hello, my parcel 4471 has not arrived yet",
    }
    unknown = Contact.objects.get(wa_id=LENA.wa_id)
    assert unknown.merged_into == known
    assert known.__class__.objects.get(pk=known.pk).identifiers["merged_contacts"][0]["wa_id"] == LENA.wa_id
    # the new number's next message joins the known contact's open interaction
    later = payload("inbound_text")
    later["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.after-merge"
    assert post_webhook(later).status_code == 200
    assert Message.objects.get(wamid="wamid.after-merge").interaction == current


def test_both_open_on_the_same_number_is_refused(client, agent, channel):
    known = ContactFactory()
    InteractionFactory(channel=channel, contact=known, state="active")
    current = InteractionFactory(channel=channel, owner=agent, state="active")
    client.force_login(agent)
    response = client.post(
        f"/api/v1/interactions/{current.pk}/assign-contact/",
        {"contact_id": known.pk},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "both_open"


def test_only_the_interactions_agent_assigns(client, channel):
    current = InteractionFactory(channel=channel, state="active")
    client.force_login(AgentProfileFactory().user)
    response = client.post(
        f"/api/v1/interactions/{current.pk}/assign-contact/", {"contact_id": ContactFactory().pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 404  # not theirs to see, as when they read it
    assert response.json()["error"]["code"] == "not_found"
