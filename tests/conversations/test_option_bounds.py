"""P5 option bounds: the admin refuses a number beyond an option's bounds with a precise
message, and a bad value stored anyway never breaks the webhook (clamped, logged)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from conversations import options
from conversations.models import AgentGroup, Interaction, Message, Offer, OptionValue, WebhookEvent
from conversations.options import DEFINITIONS, TIMEOUT_MAX, coerce, get_option
from conversations.services import routing
from tests.cloud_api import LENA_TEXT, payload
from tests.factories import AgentProfileFactory, QueueFactory, UserFactory

pytestmark = pytest.mark.django_db

REPLY_TIMEOUT = "whatsappsession.reply-timeout"
OFFER_TIMEOUT = "whatsappsession.offer-accept-timeout"
NUMERIC = sorted(key for key, definition in DEFINITIONS.items() if definition.kind is int)


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


def add_option(client: Client, key: str, value: str, *, language: str = ""):
    """Submit the admin's add form (``language``: the browser's Accept-Language)."""
    return client.post(
        "/admin/conversations/optionvalue/add/",
        {"key": key, "value": value, "agent_group": "", "agent": ""},
        headers={"accept-language": language} if language else None,
    )


def form_errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}


# --- the bounds ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", NUMERIC)
def test_every_numeric_option_has_a_maximum_and_its_default_is_within_bounds(key):
    definition = DEFINITIONS[key]
    assert definition.minimum is not None and definition.maximum is not None
    assert definition.minimum <= definition.default <= definition.maximum
    assert coerce(key, str(definition.maximum)) == definition.maximum
    with pytest.raises(options.OptionOutOfRange, match=f"^{key} must be between .*; .* is out of range$"):
        coerce(key, str(definition.maximum + 1))


def test_timeouts_are_capped_at_30_days_and_sizes_at_whatsapps_largest_file():
    assert DEFINITIONS[REPLY_TIMEOUT].maximum == TIMEOUT_MAX == 30 * 24 * 3600
    assert DEFINITIONS["whatsappsession.attachment-max-size"].maximum == 100 * 1024 * 1024
    assert DEFINITIONS["whatsappsession.max-text-message-size"].maximum == 4096


@pytest.mark.parametrize("value", ["1e3", "12.5", "inf", "١٢", ""])
def test_a_value_that_is_no_whole_number_is_refused(value):
    with pytest.raises(options.OptionError, match="must be a whole number of pixels"):
        coerce("whatsappsession.text-size", value)


# --- the admin -------------------------------------------------------------------------------


def test_admin_refuses_a_huge_reply_timeout_with_the_allowed_range(admin_client):
    response = add_option(admin_client, REPLY_TIMEOUT, "99999999999999")
    assert response.status_code == 200  # the form again
    assert form_errors(response)["value"] == [
        "whatsappsession.reply-timeout must be between 60 and 2592000 seconds (30 days); "
        "99999999999999 is out of range"
    ]
    assert not OptionValue.objects.exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (OFFER_TIMEOUT, "99999999999999", "between 5 and 86400 seconds (1 day)"),
        ("whatsappsession.attachment-max-size", "0", "between 1 and 104857600 bytes (100 MB); 0 is"),
        ("whatsappsession.transcript-interactions-count", "5000", "between 0 and 100; 5000 is"),
        ("whatsappsession.text-size", "1e3", "must be a whole number of pixels"),
        ("whatsappsession.theme", "x" * 2001, "limited to 2000 characters"),
    ],
)
def test_admin_refuses_values_out_of_bounds_and_saves_nothing(admin_client, key, value, message):
    response = add_option(admin_client, key, value)
    assert response.status_code == 200
    assert message in " ".join(form_errors(response)["value"])
    assert not OptionValue.objects.exists()


def test_admin_saves_the_largest_allowed_value(admin_client):
    response = add_option(admin_client, REPLY_TIMEOUT, str(TIMEOUT_MAX))
    assert response.status_code == 302
    assert OptionValue.objects.get(key=REPLY_TIMEOUT).value == TIMEOUT_MAX
    assert get_option(REPLY_TIMEOUT) == TIMEOUT_MAX


def test_admin_refuses_out_of_bounds_in_the_readers_language(admin_client):
    # U4: the admin's refusal in German, a plural of days and the unit included
    response = add_option(admin_client, REPLY_TIMEOUT, "99999999999999", language="de")
    assert form_errors(response)["value"] == [
        "whatsappsession.reply-timeout muss zwischen 60 und 2592000 Sekunden (30 Tage) sein; "
        "99999999999999 liegt außerhalb des Bereichs"
    ]
    response = add_option(admin_client, "whatsappsession.text-size", "12.5", language="pt-BR")
    assert form_errors(response)["value"] == [
        "whatsappsession.text-size deve ser um número inteiro de pixels"
    ]
    assert not OptionValue.objects.exists()


def test_every_option_refusal_is_translated():
    # each kind of refusal, in both languages: no English left in the sentence
    refusals = [
        ("whatsappsession.no-such-option", "1"),
        (next(k for k, d in DEFINITIONS.items() if d.kind is bool), "maybe"),
        (next(k for k, d in DEFINITIONS.items() if d.kind is str), 5),
        (next(k for k, d in DEFINITIONS.items() if d.kind is str), "x" * 5000),
        (next(k for k, d in DEFINITIONS.items() if d.kind is int and not d.unit), "x"),
        *((key, str(DEFINITIONS[key].maximum + 1)) for key in NUMERIC),
        *((key, str(DEFINITIONS[key].minimum - 1)) for key in NUMERIC),
    ]
    english_words = {"must", "between", "limited", "unknown", "given", "range", "least", "most"}
    for language in ("de", "pt-br"):
        for key, value in refusals:
            with translation.override(language), pytest.raises(options.OptionError) as refused:
                coerce(key, value)
            words = set(str(refused.value).replace(key, "").replace(";", " ").split())
            assert not words & english_words, (language, key, str(refused.value))


def test_a_stored_bad_value_is_logged_in_english_whatever_the_readers_language(caplog):
    OptionValue.objects.create(key=REPLY_TIMEOUT, value=77777777777777)  # warned once per process
    options.invalidate()
    with translation.override("de"), caplog.at_level(logging.WARNING, logger="conversations.options"):
        assert get_option(REPLY_TIMEOUT) == TIMEOUT_MAX
    warnings = [r.getMessage() for r in caplog.records if r.name == "conversations.options"]
    assert "must be between 60 and 2592000 seconds (30 days); 77777777777777 is out of range" in warnings[0]


# --- a bad value stored anyway ----------------------------------------------------------------


def test_a_huge_stored_reply_timeout_is_clamped_and_the_webhook_still_processed(
    channel, post_webhook, caplog
):
    # given a value written straight into the database, beyond any bound
    OptionValue.objects.create(key=REPLY_TIMEOUT, value=99999999999999)
    options.invalidate()
    # when a customer writes
    with caplog.at_level(logging.WARNING, logger="conversations.options"):
        response = post_webhook(payload("inbound_text"))
    # then the message is stored and its interaction opened, due after the clamped timeout
    assert response.status_code == 200
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    message = Message.objects.get(wamid=LENA_TEXT)
    interaction = Interaction.objects.get(pk=message.interaction_id)
    assert interaction.reply_due_at - interaction.last_inbound_at == timedelta(seconds=TIMEOUT_MAX)
    warnings = [r.getMessage() for r in caplog.records if r.name == "conversations.options"]
    assert len(warnings) == 1
    assert "whatsappsession.reply-timeout (global) has a bad stored value 99999999999999" in warnings[0]
    assert "2592000 is used" in warnings[0]


def test_a_huge_stored_offer_timeout_still_offers_the_interaction(channel, post_webhook, caplog):
    # given a ready agent of the channel's queue, and an offer timeout written straight to the DB
    queue = QueueFactory()
    channel.default_queue = queue
    channel.save(update_fields=["default_queue"])
    agent = AgentProfileFactory()
    agent.queues.add(queue)
    OptionValue.objects.create(key=OFFER_TIMEOUT, value=99999999999999)
    options.invalidate()
    routing.agent_set_ready(user=agent.user, ready=True)
    # when a customer writes
    with caplog.at_level(logging.WARNING, logger="conversations.options"):
        post_webhook(payload("inbound_text"))
    # then the agent is offered the interaction for at most a day
    offer = Offer.objects.get(agent=agent.user)
    assert offer.due_at <= timezone.now() + timedelta(days=1)
    assert offer.due_at > timezone.now() + timedelta(hours=23)
    assert Message.objects.filter(wamid=LENA_TEXT).exists()
    assert any("offer-accept-timeout" in r.getMessage() for r in caplog.records)


def test_a_stored_value_of_the_wrong_kind_gives_the_default_with_one_warning(caplog):
    OptionValue.objects.create(key=REPLY_TIMEOUT, value="a day")
    options.invalidate()
    with caplog.at_level(logging.WARNING, logger="conversations.options"):
        assert get_option(REPLY_TIMEOUT) == 86400
        assert get_option(REPLY_TIMEOUT) == 86400  # read again: no second warning
    warnings = [r.getMessage() for r in caplog.records if r.name == "conversations.options"]
    assert len(warnings) == 1
    assert "must be a whole number of seconds; ignored, the default is used" in warnings[0]


def test_an_agents_bad_stored_value_falls_back_to_the_group_then_the_global_value(caplog):
    agent = AgentProfileFactory(group=AgentGroup.objects.create(name="Night shift"))
    OptionValue.objects.create(key=REPLY_TIMEOUT, value=600)
    OptionValue.objects.create(key=REPLY_TIMEOUT, agent_group=agent.group, value=300)
    OptionValue.objects.create(key=REPLY_TIMEOUT, agent=agent.user, value="soon")
    options.invalidate()
    with caplog.at_level(logging.WARNING, logger="conversations.options"):
        assert get_option(REPLY_TIMEOUT, agent_id=agent.user_id) == 300
        OptionValue.objects.filter(agent_group=agent.group).delete()
        options.invalidate()
        assert get_option(REPLY_TIMEOUT, agent_id=agent.user_id) == 600
    assert "ignored, the next scope's value is used" in caplog.text
