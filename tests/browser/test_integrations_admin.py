"""B5 (and B4) in a real browser: an administrator adds a webhook subscription in the admin,
a customer writes on the sandbox phone, the integrator's receiver (a real HTTP server on
127.0.0.1) gets the signed event from the product's worker; the delivery log shows it and
its replay sends it again with the same key. An external bot answers a customer and hands
off; the agent sees its part marked as the bot's. The bot's admin page refuses a bot without
a number or queue."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from integrations.selectors import SNAPSHOT_TTL
from tests.browser.conftest import DEMO_PASSWORD, customer_says, expect, skip_without_chromium
from tests.integrations.receiver import Receiver
from tests.stack import Stack, running_stack

skip_without_chromium()
pytestmark = pytest.mark.browser

SECRET = "browser-test-secret-0123456789"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """The product, allowed to deliver to a receiver on this host."""
    with running_stack(extra_env={"INTEGRATIONS_ALLOW_PRIVATE_URLS": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(secret=SECRET).up()
    yield receiver
    receiver.down()


@pytest.fixture
def admin_page(browser, stack, contexts):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{stack.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    return page


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_subscription_added_in_the_admin_receives_signed_events_and_replays(
    stack, admin_page, receiver, customer
):
    page = admin_page
    page.goto(f"{stack.url}/admin/integrations/subscription/add/")
    page.fill("#id_name", "CRM")
    page.fill("#id_url", receiver.url)
    page.fill("#id_secret", SECRET)
    page.get_by_label("Message created (customer, agent or bot)").check()
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    page.locator("#result_list").get_by_role("link", name="CRM").click()
    expect(page.locator("#id_secret")).to_have_value("")  # write-only: never shown again
    assert SECRET not in page.content()

    customer_says(stack, customer, "Hello, integrators")
    wait_for(lambda: any(b"Hello, integrators" in r.body for r in receiver.received))
    (first,) = [r for r in receiver.received if b"Hello, integrators" in r.body]
    assert first.signed and first.key

    page.goto(f"{stack.url}/admin/integrations/delivery/")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Delivered")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "replay")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("1 delivery will be sent again")
    wait_for(lambda: receiver.keys().count(first.key) == 2)
    page.locator("#result_list tbody tr").first.locator("th a, td a").first.click()
    expect(page.locator(".inline-group")).to_contain_text("204")  # the log: the receiver's answers


def test_a_bot_without_a_number_or_queue_is_refused_with_the_reason(stack, admin_page):
    page = admin_page
    page.goto(f"{stack.url}/admin/integrations/bot/add/")
    page.fill("#id_name", "Order bot")
    page.select_option("#id_user", label="alice")
    page.locator("input[name=_save]").click()
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(page.locator("#content")).to_contain_text("Choose the number or the queue")


BOT_SETUP = """
import json
from django.contrib.auth.models import Permission, User
from rest_framework.authtoken.models import Token
from conversations.models import Channel
from integrations.models import Bot, Subscription
user, _ = User.objects.get_or_create(username="order-bot", defaults={"first_name": "Order bot"})
user.user_permissions.add(Permission.objects.get(codename="act_as_bot"))
bot, _ = Bot.objects.get_or_create(user=user, defaults={"name": "Order bot", "channel": Channel.objects.order_by("pk").first(), "timeout_seconds": 300})
Subscription.objects.get_or_create(name="Order bot", defaults={"url": %r, "secret": %r, "event_types": ["message.created"], "bot": bot})
print(json.dumps(Token.objects.get_or_create(user=user)[0].key))
"""


def test_an_external_bot_answers_then_hands_off_and_the_agent_sees_its_part(stack, receiver, alice, customer):
    """B4 end to end: the bot (this test, with its API token) gets the customer's message
    from its subscription, answers, hands off with case data; the agent who accepts sees
    the bot's answer marked as the bot's."""
    token = stack.shell(BOT_SETUP % (receiver.url, SECRET))
    # The server reads bots and subscriptions from a snapshot it keeps SNAPSHOT_TTL seconds;
    # this shell is another process, so the server sees the new bot once its snapshot ages.
    time.sleep(SNAPSHOT_TTL + 0.5)
    bot = httpx.Client(base_url=stack.url, headers={"Authorization": f"Token {token}"}, timeout=20)
    alice.go_ready()
    customer_says(stack, customer, "Where is my parcel?")

    def event_for_customer():
        for received in receiver.received:
            message = received.event["data"].get("message", {})
            if message.get("body") == "Where is my parcel?":
                return received.event
        return None

    wait_for(lambda: event_for_customer() is not None)
    interaction_id = event_for_customer()["interaction_id"]
    expect(alice.offer(customer)).to_have_count(0)  # the bot has it: no offer
    answer = bot.post(
        f"/api/v1/interactions/{interaction_id}/messages/",
        json={"type": "text", "body": "Which order number?"},
    )
    assert answer.status_code == 201, answer.text
    handoff = bot.post(
        f"/api/v1/interactions/{interaction_id}/handoff/", json={"case_data": {"topic": "parcel"}}
    )
    assert handoff.status_code == 200, handoff.text

    panel = alice.accept(customer)
    automated = panel.locator(".bubble--automated")
    expect(automated).to_contain_text("Which order number?")
    expect(automated.locator(".author")).to_have_text("Order bot (bot)")
    bot.close()
