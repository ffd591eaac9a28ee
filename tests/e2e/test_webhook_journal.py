"""The whole product with the webhook journal on (``WEBHOOK_JOURNAL=1``), processed in the
server or by the drainer process: real uvicorn, the sandbox's signed webhooks, the agent's
socket."""

from __future__ import annotations

import os

import pytest

from tests.e2e.test_whole_product import pending_offer, pushed_message, wait_for
from tests.stack import running_stack

pytestmark = pytest.mark.e2e


def events_by_state(stack) -> dict[str, int]:
    return stack.shell(
        "import json; from django.db.models import Count; from conversations.models import WebhookEvent; "
        "print(json.dumps(dict(WebhookEvent.objects.values_list('state').annotate(n=Count('pk')).order_by())))"
    )


@pytest.mark.parametrize("processing", ["server", "drainer"])
def test_a_journaled_customer_message_reaches_the_agent_live(processing):
    if processing == "drainer" and not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        pytest.skip("the drainer needs PostgreSQL: set DATABASE_URL and REDIS_URL")
    env = {"WEBHOOK_JOURNAL": "1", "WEBHOOK_JOURNAL_PROCESSING": processing}
    with running_stack(extra_env=env) as stack:
        alice = stack.client("alice")
        alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
        stack.customer_says("First", wa_id="4915200000031")
        offer = wait_for(lambda: pending_offer(alice), what="the offer")
        interaction = alice.post(f"/api/v1/offers/{offer['id']}/accept/").json()

        frame = pushed_message(stack, alice, interaction["id"], "Second", wa_id="4915200000031")
        assert frame["message"]["body"] == "Second"
        assert frame["message"]["interaction_id"] == interaction["id"]
        states = wait_for(
            lambda: (s := events_by_state(stack)) and "received" not in s and s, what="processed"
        )
        assert set(states) == {"processed"}
        if processing == "drainer":
            assert "webhook drainer: active" in stack.log()
