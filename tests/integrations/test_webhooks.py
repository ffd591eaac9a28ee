"""B5: integrators' event webhooks: recorded with the change, signed, delivered at least
once in order per interaction, retried with backoff for a day, replayable, never to
private addresses unless allowed."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta

import httpx
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import Interaction, Message
from conversations.services.done import interaction_done
from integrations import outbox, services, tasks
from integrations.addresses import url_refusal
from integrations.models import Delivery, DeliveryAttempt, EventType, Subscription
from integrations.signing import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature, signature_valid
from tests.cloud_api import LENA, RAFAEL, T0, inbound
from tests.factories import AgentProfileFactory, InteractionFactory
from tests.integrations.receiver import Receiver

pytestmark = pytest.mark.django_db

SECRET = "a-long-random-secret-of-the-integrator"


def subscribe(url: str = "https://hooks.example.com/wa", *types: str, **fields) -> Subscription:
    return Subscription.objects.create(
        name="CRM", url=url, secret=SECRET, event_types=list(types or [EventType.MESSAGE_CREATED]), **fields
    )


def text(n: int, *, customer=LENA) -> dict:
    return inbound(
        "text",
        {"body": f"message {n}"},
        id=f"wamid.hook-{customer.name[:4]}-{n}",
        timestamp=T0 + n,
        customer=customer,
    )


def answering(*statuses: int, seen: list | None = None) -> httpx.Client:
    """An httpx client whose receiver answers these statuses in turn (then 200)."""
    answers = list(statuses)

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(answers.pop(0) if answers else 200, text="ok")

    return httpx.Client(transport=httpx.MockTransport(handle))


def pause_over() -> None:
    """The receiver's pause after a failure has run out (time passes, as the beat sees it)."""
    Subscription.objects.update(paused_until=timezone.now() - timedelta(seconds=1))


def bodies(requests: list[httpx.Request]) -> list[dict]:
    return [json.loads(r.content) for r in requests]


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """Every name resolves to a public address (the tests run without DNS); the tests of
    inward names patch it themselves."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in ("127.0.0.1", "localhost", "::1"):
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def allow_private(settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE_URLS = True


class TestRecording:
    def test_a_customer_message_writes_one_outbox_row_per_subscription(self, post_webhook, channel):
        crm, bi = subscribe(), subscribe("https://bi.example.com/in")
        subscribe("https://other.example.com/", EventType.INTERACTION_DONE)  # not this event
        assert post_webhook(text(1)).status_code == 200
        message = Message.objects.get()
        rows = list(Delivery.objects.order_by("subscription_id"))
        assert [r.subscription for r in rows] == [crm, bi]
        assert rows[0].event_id == rows[1].event_id  # one event, one key for every receiver
        event = json.loads(rows[0].body)
        assert event["type"] == "message.created"
        assert event["id"] == str(rows[0].event_id)
        assert event["interaction_id"] == message.interaction_id
        assert event["data"]["message"]["body"] == "message 1"
        assert rows[0].state == Delivery.State.PENDING and rows[0].next_attempt_due_at is not None

    def test_the_row_is_written_in_the_same_transaction_as_the_change(self, channel):
        """A change rolled back leaves no event; a committed one always has its row."""
        subscribe("https://hooks.example.com/", EventType.INTERACTION_DONE)
        agent = AgentProfileFactory().user
        interaction = InteractionFactory(channel=channel, owner=agent)
        with pytest.raises(RuntimeError), transaction.atomic():
            interaction_done(user=agent, interaction_id=interaction.pk)
            assert Delivery.objects.filter(event_type="interaction.done").count() == 1
            raise RuntimeError("the request failed after the service")
        assert not Delivery.objects.exists()
        assert Interaction.objects.get(pk=interaction.pk).state == Interaction.State.ACTIVE
        interaction_done(user=agent, interaction_id=interaction.pk, note="solved")
        (row,) = Delivery.objects.all()
        assert json.loads(row.body)["data"]["interaction"]["state"] == "closed"
        assert json.loads(row.body)["data"]["agent_id"] == agent.pk

    def test_without_a_subscription_nothing_is_built_or_queried(self, channel):
        interaction = InteractionFactory(channel=channel)
        outbox.record("message.created", interaction_id=interaction.pk, owner_id=None, data=dict)  # warm
        built = []
        with CaptureQueriesContext(connection) as queries:
            outbox.record(
                "message.created",
                interaction_id=interaction.pk,
                owner_id=None,
                data=lambda: built.append(1) or {},
            )
        assert len(queries) == 0 and built == []

    def test_statuses_routing_acceptance_and_transfer_are_events(self, post_webhook, channel):
        from conversations.models import Queue
        from conversations.services import routing

        queue = Queue.objects.create(name="General")
        channel.default_queue = queue
        channel.save()
        subscribe("https://hooks.example.com/", *EventType.values)
        agent = AgentProfileFactory()
        agent.queues.add(queue)
        routing.agent_set_ready(user=agent.user, ready=True)
        post_webhook(text(1))
        offer = agent.user.offers.get()
        routing.offer_accept(user=agent.user, offer_id=offer.pk)
        types = list(Delivery.objects.order_by("id").values_list("event_type", flat=True))
        assert types == ["message.created", "interaction.routed", "interaction.accepted"]
        accepted = json.loads(Delivery.objects.get(event_type="interaction.accepted").body)
        assert accepted["data"]["agent_id"] == agent.user_id
        assert accepted["data"]["interaction"]["state"] == "active"


class TestDelivery:
    def test_each_delivery_is_signed_with_a_key_and_a_timestamp(self, channel, post_webhook):
        subscribe()
        post_webhook(text(1))
        seen: list[httpx.Request] = []
        assert (
            services.subscription_deliver(
                subscription_id=Subscription.objects.get().pk, client=answering(seen=seen)
            )
            == 1
        )
        (request,) = seen
        row = Delivery.objects.get()
        assert request.content == row.body.encode()  # the bytes recorded, as recorded
        assert request.headers[SIGNATURE_HEADER] == signature(request.content, SECRET)
        assert request.headers[ID_HEADER] == str(row.event_id)
        assert abs(int(request.headers[TIMESTAMP_HEADER]) - time.time()) < 5
        assert row.state == Delivery.State.DELIVERED and row.next_attempt_due_at is None
        (attempt,) = row.log.all()
        assert attempt.status_code == 200 and attempt.response_body == "ok"

    def test_a_receiver_verifies_the_signature_over_the_raw_body(self):
        """As an integrator's code does it: HMAC-SHA256 of the bytes received, in constant
        time; a body changed in transit or another secret fails."""
        body = b'{"id":"3f0c","type":"message.created","data":{"message":{"body":"Hallo \xc3\xa4"}}}'
        header = signature(body, SECRET)
        assert header.startswith("sha256=") and len(header) == 7 + 64
        assert signature_valid(body, SECRET, header)
        assert not signature_valid(body.replace(b"Hallo", b"Hello"), SECRET, header)
        assert not signature_valid(body, "another-secret-entirely", header)
        assert not signature_valid(body, SECRET, None)

    def test_backoff_doubles_from_ten_seconds_up_to_an_hour(self):
        assert [services.backoff(n) for n in range(1, 11)] == [
            10,
            20,
            40,
            80,
            160,
            320,
            640,
            1280,
            2560,
            3600,
        ]
        assert services.backoff(40) == 3600

    def test_a_failed_attempt_is_retried_after_its_backoff(self, channel, post_webhook):
        subscribe()
        post_webhook(text(1))
        subscription = Subscription.objects.get()
        before = timezone.now()
        assert services.subscription_deliver(subscription_id=subscription.pk, client=answering(503)) == 0
        row = Delivery.objects.get()
        assert row.state == Delivery.State.PENDING and row.attempts == 1 and row.last_status_code == 503
        assert row.next_attempt_due_at - before == pytest.approx(
            timedelta(seconds=10), abs=timedelta(seconds=2)
        )
        # Not due yet (the row, and the receiver paused as long): nothing is sent.
        subscription.refresh_from_db()
        assert subscription.consecutive_failures == 1
        assert subscription.paused_until == row.next_attempt_due_at
        assert services.subscription_deliver(subscription_id=subscription.pk, client=answering()) == 0
        assert services.deliveries_due_sweep(now=timezone.now()) == []
        Delivery.objects.update(next_attempt_due_at=timezone.now())
        pause_over()
        assert services.deliveries_due_sweep(now=timezone.now()) == [subscription.pk]
        assert services.subscription_deliver(subscription_id=subscription.pk, client=answering()) == 1
        assert list(DeliveryAttempt.objects.values_list("status_code", flat=True)) == [503, 200]
        subscription.refresh_from_db()
        assert subscription.consecutive_failures == 0 and subscription.paused_until is None

    def test_after_a_day_of_failures_the_event_is_marked_failed_and_the_next_goes_on(
        self, channel, post_webhook
    ):
        subscribe()
        post_webhook(text(1))
        post_webhook(text(2))
        first, second = Delivery.objects.order_by("id")
        Delivery.objects.filter(pk=first.pk).update(
            retry_from=timezone.now() - timedelta(hours=24, seconds=1)
        )
        seen: list[httpx.Request] = []
        delivered = services.subscription_deliver(
            subscription_id=first.subscription_id, client=answering(500, seen=seen)
        )
        first.refresh_from_db()
        assert first.state == Delivery.State.FAILED and first.next_attempt_due_at is None
        assert delivered == 0  # the round stops at a failure …
        pause_over()
        services.subscription_deliver(subscription_id=first.subscription_id, client=answering(seen=seen))
        second.refresh_from_db()  # … and the interaction's next event is no longer held up
        assert second.state == Delivery.State.DELIVERED
        assert [b["data"]["message"]["body"] for b in bodies(seen)] == ["message 1", "message 2"]

    def test_events_of_one_interaction_wait_for_the_earlier_one_others_go_on(self, channel, post_webhook):
        subscribe()
        post_webhook(text(1))  # Lena
        post_webhook(text(2))  # Lena
        post_webhook(text(3, customer=RAFAEL))
        lena_1, lena_2, _rafael = Delivery.objects.order_by("id")
        subscription_id = lena_1.subscription_id
        seen: list[httpx.Request] = []
        services.subscription_deliver(subscription_id=subscription_id, client=answering(503, seen=seen))
        # Lena's first failed: her second waits; Rafael's goes in the next round.
        pause_over()
        services.subscription_deliver(subscription_id=subscription_id, client=answering(seen=seen))
        assert [b["data"]["message"]["body"] for b in bodies(seen)] == ["message 1", "message 3"]
        lena_2.refresh_from_db()
        assert lena_2.attempts == 0 and lena_2.state == Delivery.State.PENDING
        Delivery.objects.filter(pk=lena_1.pk).update(next_attempt_due_at=timezone.now())
        services.subscription_deliver(subscription_id=subscription_id, client=answering(seen=seen))
        assert [b["data"]["message"]["body"] for b in bodies(seen)] == [
            "message 1",
            "message 3",
            "message 1",
            "message 2",
        ]

    def test_a_dead_receiver_costs_one_attempt_per_interval_whatever_the_traffic(self, channel, post_webhook):
        subscribe()
        subscription = Subscription.objects.get()
        seen: list[httpx.Request] = []
        for n in range(1, 4):
            post_webhook(text(n))
            post_webhook(text(10 + n, customer=RAFAEL))
            services.subscription_deliver(
                subscription_id=subscription.pk, client=answering(503, 503, 503, seen=seen)
            )
        assert len(seen) == 1  # six events, one attempt: the receiver is paused
        subscription.refresh_from_db()
        assert subscription.consecutive_failures == 1
        pause_over()
        Delivery.objects.update(next_attempt_due_at=timezone.now())
        assert (
            services.subscription_deliver(subscription_id=subscription.pk, client=answering(seen=seen)) == 6
        )

    def test_one_worker_per_subscription(self, channel, post_webhook):
        subscribe()
        post_webhook(text(1))
        subscription = Subscription.objects.get()
        Subscription.objects.update(delivering_until=timezone.now() + timedelta(seconds=30))
        seen: list[httpx.Request] = []
        assert (
            services.subscription_deliver(subscription_id=subscription.pk, client=answering(seen=seen)) == 0
        )
        assert seen == []
        Subscription.objects.update(delivering_until=timezone.now() - timedelta(seconds=1))  # a dead worker's
        assert (
            services.subscription_deliver(subscription_id=subscription.pk, client=answering(seen=seen)) == 1
        )
        assert Subscription.objects.get().delivering_until is None

    def test_replay_sends_the_same_event_again_with_the_same_key(self, channel, post_webhook):
        subscribe()
        post_webhook(text(1))
        row = Delivery.objects.get()
        seen: list[httpx.Request] = []
        services.subscription_deliver(subscription_id=row.subscription_id, client=answering(seen=seen))
        assert services.deliveries_replay(delivery_ids=[row.pk]) == 1
        services.subscription_deliver(subscription_id=row.subscription_id, client=answering(seen=seen))
        assert [r.headers[ID_HEADER] for r in seen] == [str(row.event_id)] * 2
        assert seen[0].content == seen[1].content
        assert list(DeliveryAttempt.objects.values_list("replay", flat=True)) == [False, True]
        assert Delivery.objects.get().state == Delivery.State.DELIVERED

    def test_a_slow_receiver_costs_one_read_timeout(self, settings, allow_private, channel, post_webhook):
        """A receiver that accepts the connection and never answers: the attempt ends at
        the read timeout, is logged, and the round stops (it runs in the worker; the
        webhook above only wrote the row)."""
        settings.INTEGRATIONS_READ_TIMEOUT = 0.3
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        try:
            subscribe(f"http://127.0.0.1:{silent.getsockname()[1]}/")
            post_webhook(text(1))
            post_webhook(text(2))
            started = time.monotonic()
            assert services.subscription_deliver(subscription_id=Subscription.objects.get().pk) == 0
            assert time.monotonic() - started < 2
        finally:
            silent.close()
        assert "Timeout" in DeliveryAttempt.objects.get().error  # one attempt: the round stopped


class TestAddresses:
    @pytest.mark.parametrize(
        "url",
        [
            "ftp://hooks.example.com/",
            "file:///etc/passwd",
            "http://127.0.0.1:8000/",
            "http://10.1.2.3/",
            "http://192.168.0.10/",
            "http://172.16.5.4/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "http://localhost:8000/",
            "http://user:pw@hooks.example.com/",
            "https:///no-host",
        ],
    )
    def test_refused(self, url):
        assert url_refusal(url, resolve=True)

    def test_a_public_name_that_resolves_inward_is_refused_at_delivery(
        self, monkeypatch, channel, post_webhook
    ):
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))],
        )
        assert url_refusal("https://hooks.example.com/") is None  # as saved: a name
        assert "10.0.0.7" in url_refusal("https://hooks.example.com/", resolve=True)
        subscribe("https://hooks.example.com/")
        post_webhook(text(1))
        seen: list[httpx.Request] = []
        services.subscription_deliver(
            subscription_id=Subscription.objects.get().pk, client=answering(seen=seen)
        )
        assert seen == []  # nothing left for the private address
        attempt = DeliveryAttempt.objects.get()
        assert attempt.error.startswith("refused:") and attempt.status_code is None
        assert Delivery.objects.get().state == Delivery.State.PENDING  # retried: the DNS may be fixed

    def test_the_operator_may_allow_private_addresses(self, allow_private):
        assert url_refusal("http://127.0.0.1:8000/hooks", resolve=True) is None
        assert url_refusal("ftp://127.0.0.1/") is not None  # still http(s) only

    def test_redirects_are_not_followed(self, allow_private, channel, post_webhook):
        subscribe("http://127.0.0.1:9/hooks")
        post_webhook(text(1))
        seen: list[httpx.Request] = []

        def handle(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(307, headers={"Location": "http://169.254.169.254/"})

        services.subscription_deliver(
            subscription_id=Subscription.objects.get().pk,
            client=httpx.Client(transport=httpx.MockTransport(handle)),
        )
        assert len(seen) == 1 and Delivery.objects.get().last_status_code == 307


@pytest.mark.django_db(transaction=True)
def test_a_receiver_down_for_a_while_gets_exactly_the_events_in_order_each_at_least_once(
    settings, post_webhook, channel, monkeypatch
):
    """The receiver is down (its port closed) while customers write, then answers 500 to
    two deliveries it did read, then is up: it ends with exactly the events, in order per
    interaction, each at least once; the duplicates carry the same key."""
    settings.INTEGRATIONS_ALLOW_PRIVATE_URLS = True
    settings.INTEGRATIONS_CONNECT_TIMEOUT = 0.5
    monkeypatch.setattr(services, "BACKOFF_BASE", 0.05)
    monkeypatch.setattr(services, "BACKOFF_CAP", 0.2)
    receiver = Receiver(secret=SECRET).reserve_port()
    subscribe(receiver.url)
    for n in range(1, 6):
        post_webhook(text(n))
        post_webhook(text(10 + n, customer=RAFAEL))
    expected = list(Delivery.objects.order_by("id").values_list("event_id", flat=True))
    assert len(expected) == 10

    def beat(until: float) -> None:
        while time.monotonic() < until:
            tasks.deliveries_sweep_task()  # inline: each due subscription delivered at once
            time.sleep(0.05)

    beat(time.monotonic() + 1.0)  # down: every try refused
    assert receiver.received == []
    assert DeliveryAttempt.objects.filter(status_code__isnull=True).count() >= 2
    receiver.fail_next = 2
    receiver.up()
    try:
        deadline = time.monotonic() + 15
        while Delivery.objects.filter(state=Delivery.State.PENDING).exists() and time.monotonic() < deadline:
            beat(time.monotonic() + 0.2)
    finally:
        receiver.down()
    assert not Delivery.objects.exclude(state=Delivery.State.DELIVERED).exists()
    assert all(r.signed for r in receiver.received)
    first_seen = list(dict.fromkeys(receiver.keys()))
    assert sorted(first_seen) == sorted(str(k) for k in expected)  # exactly the events
    assert len(receiver.received) >= 12  # two were read, answered 500, and sent again
    duplicates = [k for k in set(receiver.keys()) if receiver.keys().count(k) > 1]
    assert duplicates
    for key in duplicates:  # recognisable: same key, same body
        assert len({r.body for r in receiver.received if r.key == key}) == 1
    by_interaction: dict[int, list[str]] = {}
    for received in receiver.received:
        event = received.event
        by_interaction.setdefault(event["interaction_id"], [])
        if event["data"]["message"]["body"] not in by_interaction[event["interaction_id"]]:
            by_interaction[event["interaction_id"]].append(event["data"]["message"]["body"])
    assert sorted(by_interaction.values()) == [
        [f"message {n}" for n in range(1, 6)],
        [f"message {n}" for n in range(11, 16)],
    ]


@pytest.mark.django_db(transaction=True)
def test_the_webhook_does_not_wait_for_a_receiver(settings, post_webhook, channel):
    """Delivery runs in the worker: a receiver that never answers does not slow the
    customer's webhook (here the worker is the embedded pool, not the request)."""
    settings.TASK_EXECUTION = "embedded"
    settings.INTEGRATIONS_ALLOW_PRIVATE_URLS = True
    settings.INTEGRATIONS_READ_TIMEOUT = 1.5
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    stop = threading.Event()
    try:
        subscribe(f"http://127.0.0.1:{silent.getsockname()[1]}/")
        started = time.monotonic()
        assert post_webhook(text(1)).status_code == 200
        assert time.monotonic() - started < 1.0
        from waproject.embedded import runner

        assert runner.wait_idle(timeout=10)
    finally:
        stop.set()
        silent.close()
    assert "Timeout" in DeliveryAttempt.objects.get().error


def test_the_log_keeps_a_month_and_an_erased_contact_leaves_no_outbox_row(
    channel, post_webhook, admin_user, settings
):
    from privacy.services import contact_erase

    subscribe()
    post_webhook(text(1))
    post_webhook(text(2, customer=RAFAEL))
    lena, rafael = Delivery.objects.order_by("id")
    Delivery.objects.filter(pk=lena.pk).update(state=Delivery.State.DELIVERED)
    Delivery.objects.filter(pk=rafael.pk).update(state=Delivery.State.FAILED)
    assert services.deliveries_log_purge(now=timezone.now()) == 0
    assert services.deliveries_log_purge(now=timezone.now() + timedelta(days=31)) == 2
    assert not Delivery.objects.exists()

    post_webhook(text(3))
    Interaction.objects.update(state=Interaction.State.CLOSED, closed_at=timezone.now())
    lena_contact = Interaction.objects.filter(contact__wa_id=LENA.wa_id).first().contact
    report = contact_erase(user=admin_user, contact_id=lena_contact.pk)
    assert report.counts["webhook_deliveries"] == 1
    assert not Delivery.objects.exists()
