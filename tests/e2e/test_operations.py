"""X2 end to end: readiness and metrics with real processes. Scaled: two web processes, a
Celery worker and the beat share PROMETHEUS_MULTIPROC_DIR, and a scrape of either web
process counts what all of them did."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.test_whole_product import pending_offer, run_async, wait_for
from tests.stack import console_socket, running_stack

pytestmark = pytest.mark.e2e

TOKEN = "e2e-metrics-token"


@pytest.fixture(scope="module")
def stack():
    scaled = bool(os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))
    with (
        tempfile.TemporaryDirectory(prefix="wa-prom-") as prom,
        running_stack(
            web_workers=2 if scaled else 1,
            extra_env={"PROMETHEUS_MULTIPROC_DIR": prom, "METRICS_TOKEN": TOKEN},
        ) as running,
    ):
        yield running


def scrape(stack) -> dict[tuple[str, tuple], float]:
    # A new connection each time: with two web processes either may answer.
    response = httpx.get(f"{stack.url}/metrics/", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    response.raise_for_status()
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_ready_once_the_beat_has_beaten(stack):
    def ready():
        response = httpx.get(f"{stack.url}/readyz/", timeout=10)
        return response if response.status_code == 200 else None

    body = wait_for(ready, seconds=40, what="/readyz/ 200 (the beat's first heartbeat)").json()
    expected = {"database", "beat", "webhook_backlog"} | ({"redis", "broker"} if stack.scaled else set())
    assert set(body["checks"]) == expected


def test_every_process_counts_and_any_scrape_adds_them_up(stack):
    alice = stack.client("alice")
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    for text in ("Hello", "Anyone there?", "My parcel"):
        stack.customer_says(text, wa_id="4915200000077")
    offer = wait_for(lambda: pending_offer(alice), what="the offer")
    interaction = alice.post(f"/api/v1/offers/{offer['id']}/accept/").json()
    sent = alice.post(
        f"/api/v1/interactions/{interaction['id']}/messages/", json={"type": "text", "body": "Hi!"}
    )
    assert sent.status_code == 201

    def delivered() -> bool:
        messages = alice.get(f"/api/v1/interactions/{interaction['id']}/messages/").json()["messages"]
        return any(m["id"] == sent.json()["id"] and m["status"] == "delivered" for m in messages)

    wait_for(delivered, what="delivered (sent by the worker, statuses posted by the sandbox)")

    def consistent() -> bool:
        stored = stack.shell(
            "from conversations.models import WebhookEvent; print(WebhookEvent.objects.count())"
        )
        scrapes = [scrape(stack) for _ in range(6)]
        return all(
            value(s, "wa_webhooks_total", outcome="acknowledged") == stored
            and value(s, "wa_sends_total", outcome="accepted", error_code="") == 1
            and value(s, "wa_offers_total", event="accepted") == 1
            for s in scrapes
        )

    wait_for(consistent, seconds=20, what="every scrape counting every process's webhooks and the send")


def test_live_sockets_are_summed_over_processes(stack):
    alice = stack.client("alice")

    async def with_socket() -> float:
        async with console_socket(stack, alice) as socket:
            assert json.loads(await socket.recv())["type"] == "hello"
            return await asyncio.get_running_loop().run_in_executor(
                None, lambda: value(scrape(stack), "wa_live_sockets")
            )

    assert run_async(with_socket()) == 1
    wait_for(lambda: value(scrape(stack), "wa_live_sockets") == 0, what="the socket no longer counted")
