"""P1 under concurrency (PostgreSQL): Meta delivers the same webhook twice at once, and an
album of photos arrives as parallel webhooks of a brand-new customer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from conversations.models import Contact, Interaction, Message, WebhookEvent
from tests.conftest import APP_SECRET
from tests.conversations.test_ingest_reliability import text_payload
from whatsapp.signature import sign

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (set DATABASE_URL)")


def post_concurrently(bodies: list[bytes]) -> list[int]:
    """POST every body from its own thread (own connection), all released at once."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def worker(index: int, body: bytes) -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/webhooks/whatsapp/",
                body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
            )
            statuses[index] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def encode(payload: dict) -> bytes:
    import json

    return json.dumps(payload).encode()


def test_the_same_post_eight_times_at_once_stores_one_message(channel):
    body = encode(text_payload("wamid.race"))
    assert post_concurrently([body] * 8) == [200] * 8
    assert Message.objects.filter(wamid="wamid.race").count() == 1
    assert Contact.objects.count() == 1
    assert Interaction.objects.count() == 1
    assert WebhookEvent.objects.count() == 8
    assert WebhookEvent.objects.filter(state=WebhookEvent.State.PROCESSED).count() == 8


def test_parallel_album_of_a_new_customer_opens_one_interaction(channel):
    bodies = [
        encode(text_payload(f"wamid.album{n}", body=f"photo {n}", timestamp=1697043223 + n)) for n in range(6)
    ]
    assert post_concurrently(bodies) == [200] * 6
    assert Contact.objects.count() == 1
    interaction = Interaction.objects.get()
    assert interaction.messages.count() == 6
    assert interaction.last_inbound_at.timestamp() == 1697043228
