"""Fixtures shared by the API tests of this directory: alice, an agent with an open
conversation, and her signed-in client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from conversations.models import Interaction
from tests.factories import (
    DIRECTORY,
    AgentProfileFactory,
    ChannelFactory,
    InteractionFactory,
    MessageFactory,
    UserFactory,
    grant,
)


@pytest.fixture
def alice(db: None) -> User:
    # like the demo's alice: an agent who may browse the contact directory
    return grant(AgentProfileFactory(user=UserFactory(username="alice")).user, DIRECTORY)


@pytest.fixture
def interaction(alice: User) -> Interaction:
    """Alice's accepted conversation, its 24-hour window open, with one message."""
    now = timezone.now()
    channel = ChannelFactory(phone_number_id="1122334455667", display_phone_number="972123456789")
    interaction = InteractionFactory.create(
        channel=channel,
        owner=alice,
        accepted_at=now,
        last_inbound_at=now,
        window_expires_at=now + timedelta(hours=20),
        case_data={"order": "A-1"},
    )
    MessageFactory(interaction=interaction)
    return interaction


@pytest.fixture
def api(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client
