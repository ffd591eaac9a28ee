"""B4: an external bot takes new conversations before routing, answers through the API,
hands off to a queue with case data; silent past its timeout, routing takes over."""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import httpx
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conversations.models import Interaction, Message, Offer, Queue
from conversations.services import routing
from conversations.services.done import interaction_done
from conversations.services.transfer import interaction_transfer
from integrations import services, tasks
from integrations.models import Bot, BotSession, Delivery, Subscription
from integrations.signing import SIGNATURE_HEADER, signature_valid
from tests.cloud_api import LENA, RAFAEL, SALES, inbound
from tests.factories import AgentProfileFactory, InteractionFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

SECRET = "the-bots-own-webhook-secret"
#: The customers write now (the 24-hour window is open for the bot's answers).
NOW = int(time.time()) - 60


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """The receivers' names resolve to a public address (the tests run without DNS); this
    host's services (PostgreSQL, Redis) still resolve as they are."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in ("127.0.0.1", "localhost", "::1"):
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def queues(channel):
    general, orders = Queue.objects.create(name="General"), Queue.objects.create(name="Orders")
    channel.default_queue = general
    channel.save()
    return general, orders


@pytest.fixture
def bot(channel, queues):
    user = grant(UserFactory(username="order-bot", first_name="Order bot"), "act_as_bot")
    bot = Bot.objects.create(name="Order bot", user=user, channel=channel, timeout_seconds=60)
    Subscription.objects.create(
        name="Order bot",
        url="https://bot.example.com/events",
        secret=SECRET,
        event_types=["message.created"],
        bot=bot,
    )
    return bot


@pytest.fixture
def bot_api(bot) -> APIClient:
    """The bot's HTTP client: its user's API token, nothing else."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bot.user).key}")
    return client


def text(n: int, body: str, customer=LENA) -> dict:
    return inbound(
        "text", {"body": body}, id=f"wamid.bot-{customer.name[:4]}-{n}", timestamp=NOW + n, customer=customer
    )


def ready_agent(queue):
    profile = AgentProfileFactory()
    profile.queues.add(queue)
    routing.agent_set_ready(user=profile.user, ready=True)
    return profile.user


class OrderBot:
    """The integrator's bot, as a receiver of its events: checks the signature, asks for
    the order number, then hands off to the Orders queue with it."""

    def __init__(self, api: APIClient, orders: Queue) -> None:
        self.api, self.orders = api, orders
        self.handled: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert signature_valid(request.content, SECRET, request.headers[SIGNATURE_HEADER])
        event = json.loads(request.content)
        message = event["data"]["message"]
        if message["direction"] != "in":
            return httpx.Response(204)
        self.handled.append(message["body"])
        interaction_id = event["interaction_id"]
        if message["body"].isdigit():
            answer = self.api.post(
                f"/api/v1/interactions/{interaction_id}/handoff/",
                {"queue_id": self.orders.pk, "case_data": {"order_number": message["body"]}},
                format="json",
            )
        else:
            answer = self.api.post(
                f"/api/v1/interactions/{interaction_id}/messages/",
                {"type": "text", "body": "Hello! What is your order number?"},
                format="json",
            )
        assert answer.status_code in (200, 201), answer.content
        return httpx.Response(204)


def deliver_to(handler) -> None:
    for subscription_id in services.deliveries_due_sweep(now=timezone.now()):
        services.subscription_deliver(
            subscription_id=subscription_id, client=httpx.Client(transport=httpx.MockTransport(handler))
        )


def test_a_bot_takes_a_conversation_and_hands_it_off_with_case_data(post_webhook, bot, bot_api, queues):
    general, orders = queues
    agent = ready_agent(orders)
    ready_agent(general)  # a Ready agent of the number's queue is not offered it
    assert post_webhook(text(1, "Hi, where is my parcel?")).status_code == 200
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.ACTIVE and interaction.owner == bot.user
    assert not Offer.objects.exists()  # the bot has it: nothing is routed
    order_bot = OrderBot(bot_api, orders)
    deliver_to(order_bot)
    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert reply.author == bot.user and reply.automated  # agents see it marked as the bot's
    assert BotSession.objects.get().due_at is None  # the bot answered: no timeout running

    post_webhook(text(2, "4711"))
    deliver_to(order_bot)
    assert order_bot.handled == ["Hi, where is my parcel?", "4711"]
    interaction.refresh_from_db()
    assert interaction.case_data == {"order_number": "4711"}
    assert interaction.queue == orders and interaction.owner is None
    assert interaction.state == Interaction.State.QUEUED
    routing.dispatch_waiting()  # after the commit (here: the routing sweep)
    interaction.refresh_from_db()
    assert interaction.state == Interaction.State.OFFERED
    assert Offer.objects.get().agent == agent
    session = BotSession.objects.get()
    assert session.outcome == BotSession.Outcome.HANDED_OFF and session.ended_at is not None

    # The agent's transcript has the bot's part, marked as automated.
    routing.offer_accept(user=agent, offer_id=Offer.objects.get().pk)
    client = APIClient()
    client.force_authenticate(agent)
    page = client.get(f"/api/v1/interactions/{interaction.pk}/messages/").json()
    shown = page.get("results", page.get("messages", page))
    bot_lines = [m for m in shown if m["automated"]]
    assert [m["body"] for m in bot_lines] == ["Hello! What is your order number?"]
    assert bot_lines[0]["author_name"] == "Order bot"
    # Once handed off, the bot may not write or hand off any more.
    late = bot_api.post(
        f"/api/v1/interactions/{interaction.pk}/messages/", {"type": "text", "body": "x"}, format="json"
    )
    assert late.status_code in (403, 404)
    again = bot_api.post(f"/api/v1/interactions/{interaction.pk}/handoff/", {}, format="json")
    assert again.status_code in (404, 409)


def test_a_silent_bot_hands_off_by_itself_after_its_timeout(post_webhook, bot, queues):
    general, _ = queues
    agent = ready_agent(general)
    post_webhook(text(1, "Hello?"))
    session = BotSession.objects.get()
    assert session.due_at is not None
    assert session.due_at - timezone.now() == pytest.approx(timedelta(seconds=60), abs=timedelta(seconds=5))
    assert tasks.bot_timeouts_sweep_task() == 0  # not yet
    BotSession.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    assert tasks.bot_timeouts_sweep_task() == 1
    routing.dispatch_waiting()
    interaction = Interaction.objects.get()
    assert interaction.queue == general and interaction.owner is None
    assert interaction.state == Interaction.State.OFFERED and Offer.objects.get().agent == agent
    assert BotSession.objects.get().outcome == BotSession.Outcome.TIMED_OUT


def test_only_the_bot_may_hand_off_and_only_its_own(post_webhook, bot, bot_api, queues, channel):
    post_webhook(text(1, "Hi"))
    interaction = Interaction.objects.get()
    agent = AgentProfileFactory().user
    someone = APIClient()
    someone.force_authenticate(agent)
    assert (
        someone.post(f"/api/v1/interactions/{interaction.pk}/handoff/", {}, format="json").status_code == 403
    )
    # A second bot (its own number) cannot hand off the first one's conversation.
    other_user = grant(UserFactory(username="other-bot"), "act_as_bot")
    Bot.objects.create(name="Other", user=other_user, queue=Queue.objects.create(name="Elsewhere"))
    other = APIClient()
    other.force_authenticate(other_user)
    assert other.post(f"/api/v1/interactions/{interaction.pk}/handoff/", {}, format="json").status_code == 404
    # Bad input is refused precisely.
    assert (
        bot_api.post(
            f"/api/v1/interactions/{interaction.pk}/handoff/", {"queue_id": 999999}, format="json"
        ).status_code
        == 404
    )
    assert (
        bot_api.post(
            f"/api/v1/interactions/{interaction.pk}/handoff/", {"case_data": "order 1"}, format="json"
        ).status_code
        == 400
    )
    assert Interaction.objects.get().owner == bot.user


def test_a_handoff_with_a_misnamed_field_is_refused_and_the_bot_keeps_the_conversation(
    post_webhook, bot, bot_api, queues
):
    """``case`` for ``case_data`` handed off without the case data: now a 400, nothing done."""
    post_webhook(text(1, "Hi"))
    interaction = Interaction.objects.get()
    _, orders = queues

    refused = bot_api.post(
        f"/api/v1/interactions/{interaction.pk}/handoff/",
        {"queue_id": orders.pk, "case": {"order": "A-1"}},
        format="json",
    )

    assert refused.status_code == 400
    assert (
        refused.json()["error"]["message"]
        == "case: unknown field; the body takes queue_id, skill_id, case_data"
    )
    interaction.refresh_from_db()
    assert (interaction.owner, interaction.case_data) == (bot.user, {})
    assert BotSession.objects.get().outcome == ""


def test_the_handoffs_refusals_speak_the_callers_language(post_webhook, bot, bot_api, queues):
    """U4: the agent's profile language, the bot's Accept-Language; English by default."""
    post_webhook(text(1, "Hi"))
    interaction = Interaction.objects.get()
    url = f"/api/v1/interactions/{interaction.pk}/handoff/"
    agent = AgentProfileFactory(language="de").user
    someone = Client()
    someone.force_login(agent)
    someone.get("/console/")  # a page reads the profile's language for the API's requests
    refused = someone.post(url, {}, content_type="application/json")
    assert refused.status_code == 403
    assert (
        refused.json()["error"]["message"] == "nur ein aktiver externer Bot darf eine Interaktion übergeben"
    )
    german = bot_api.post(url, {"queue_id": 999999}, format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert german.json()["error"]["message"] == "Warteschlange 999999 existiert nicht"
    portuguese = bot_api.post(url, {"skill_id": 999999}, format="json", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert portuguese.json()["error"]["message"] == "a habilidade 999999 não existe"
    english = bot_api.post(url, {"queue_id": 999999}, format="json")
    assert english.json()["error"]["message"] == "queue 999999 does not exist"


def test_the_bots_subscription_gets_only_its_own_interactions(post_webhook, bot, queues, sales_channel):
    ready_agent(queues[0])
    post_webhook(text(1, "Hi"))  # the bot's number
    post_webhook(
        inbound(
            "text",
            {"body": "other line"},
            id="wamid.bot-sales-1",
            timestamp=NOW + 5,
            customer=RAFAEL,
            number=SALES,
        )
    )
    bodies = [json.loads(d.body)["data"]["message"]["body"] for d in Delivery.objects.all()]
    assert bodies == ["Hi"]


def test_a_bot_that_closes_its_conversation_ends_its_turn(post_webhook, bot, bot_api):
    post_webhook(text(1, "Just saying thanks"))
    interaction = Interaction.objects.get()
    assert BotSession.objects.get().due_at is not None
    assert bot_api.post(f"/api/v1/interactions/{interaction.pk}/done/", {}, format="json").status_code == 200
    session = BotSession.objects.get()
    assert session.outcome == BotSession.Outcome.CLOSED and session.due_at is None
    assert tasks.bot_timeouts_sweep_task() == 0


def test_events_of_a_transfer_and_done_are_delivered(channel, queues, settings):
    """A supervisor's transfer and the agent's Done reach a subscription of every interaction."""
    general, _ = queues
    Subscription.objects.create(
        name="CRM", url="https://crm.example.com/", secret=SECRET,
        event_types=["interaction.transferred", "interaction.done"],
    )  # fmt: skip
    first, second = ready_agent(general), ready_agent(general)
    interaction = InteractionFactory(channel=channel, owner=first, queue=general)
    interaction_transfer(user=first, interaction_id=interaction.pk, agent_id=second.pk)
    routing.offer_accept(user=second, offer_id=Offer.objects.get().pk)
    interaction_done(user=second, interaction_id=interaction.pk, note="solved")
    events = [json.loads(d.body) for d in Delivery.objects.order_by("id")]
    assert [e["type"] for e in events] == ["interaction.transferred", "interaction.done"]
    assert events[0]["data"]["from_agent_id"] == first.pk
    assert events[0]["data"]["target"]["agent_id"] == second.pk
    assert events[1]["data"]["agent_id"] == second.pk
