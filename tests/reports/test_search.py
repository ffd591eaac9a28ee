"""O6: agents and supervisors find interactions by contact, number, username, message
text, dates, agent, queue, disposition and state; an agent finds only what they may see.
SQLite searches text with icontains (the documented fallback); PostgreSQL with its
full-text index (marked ``postgres``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.urls import reverse

from conversations.models import Interaction
from conversations.selectors import InteractionSearch, full_text_search, interaction_search
from tests.factories import (
    AgentProfileFactory,
    ContactFactory,
    InteractionFactory,
    MessageFactory,
    QueueFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(channel):
    billing = QueueFactory(name="Billing")
    alice = AgentProfileFactory(user__username="alice").user
    bob = AgentProfileFactory(user__username="bob").user
    lena = ContactFactory(name="Lena Schmidt", wa_id="4915112345678", username="lena.s")
    rafael = ContactFactory(name="Rafael Costa", wa_id="5511998877665")
    refund = InteractionFactory(
        contact=lena,
        channel=channel,
        owner=alice,
        queue=billing,
        state=Interaction.State.CLOSED,
        disposition="resolved",
    )
    Interaction.objects.filter(pk=refund.pk).update(created_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    MessageFactory(interaction=refund, body="Where is my refund for the blue jacket?")
    delivery = InteractionFactory(contact=rafael, channel=channel, owner=bob)
    Interaction.objects.filter(pk=delivery.pk).update(created_at=datetime(2026, 3, 5, 9, tzinfo=UTC))
    MessageFactory(interaction=delivery, body="The parcel never arrived")
    return {"alice": alice, "bob": bob, "refund": refund, "delivery": delivery, "billing": billing}


def found(user, **search) -> list[int]:
    return list(
        interaction_search(user=user, search=InteractionSearch(**search)).values_list("pk", flat=True)
    )


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sam", is_superuser=True)


def test_by_contact_name_number_and_username(world, supervisor):
    refund = world["refund"].pk
    assert found(supervisor, contact="lena") == [refund]
    assert found(supervisor, contact="+49 151 1234") == [refund]
    assert found(supervisor, contact="@lena.s") == [refund]
    assert found(supervisor, contact="nobody") == []


def test_by_message_text_and_the_other_filters(world, supervisor):
    refund, delivery = world["refund"].pk, world["delivery"].pk
    assert found(supervisor, text="refund") == [refund]
    assert found(supervisor, text="parcel") == [delivery]
    assert found(supervisor, agent_id=world["bob"].pk) == [delivery]
    assert found(supervisor, queue_id=world["billing"].pk) == [refund]
    assert found(supervisor, disposition="resolved") == [refund]
    assert found(supervisor, state="closed") == [refund]
    assert found(supervisor, created_from=datetime(2026, 3, 3, tzinfo=UTC)) == [delivery]


def test_sqlite_searches_text_as_a_substring_the_documented_fallback(world, supervisor):
    if connection.vendor != "sqlite":
        pytest.skip("the fallback of the embedded default")
    assert not full_text_search()
    assert found(supervisor, text="BLUE JACK") == [world["refund"].pk]  # any case, inside words


def test_an_agent_finds_only_what_they_may_see(world, client):
    client.force_login(world["alice"])
    answer = client.get(reverse("interaction-search"), {"text": "parcel"})
    assert answer.status_code == 200
    assert answer.json()["results"] == []  # Bob's conversation
    mine = client.get(reverse("interaction-search"), {"contact": "lena"}).json()["results"]
    assert [hit["interaction"]["id"] for hit in mine] == [world["refund"].pk]
    assert mine[0]["owner_name"] and mine[0]["queue_name"] == "Billing"


def test_the_api_filters_by_local_dates(world, client, supervisor):
    client.force_login(supervisor)
    answer = client.get(
        reverse("interaction-search"),
        {"date_from": "2026-03-02", "date_to": "2026-03-02", "tz": "Asia/Tokyo"},
    )
    assert [hit["interaction"]["id"] for hit in answer.json()["results"]] == [world["refund"].pk]


def test_dates_in_the_wrong_order_are_refused_by_rule(client, supervisor):
    client.force_login(supervisor)
    answer = client.get(reverse("interaction-search"), {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_period"
    assert answer.json()["error"]["message"].startswith("date_from: must not be after")


def test_the_refusal_speaks_the_supervisors_language(client, supervisor):
    """U4: in the profile's language (read by a page, kept for the API), else the browser's."""
    client.force_login(supervisor)
    wrong_order = {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    german = client.get(reverse("interaction-search"), wrong_order, HTTP_ACCEPT_LANGUAGE="de")
    assert german.json()["error"] == {
        "code": "bad_period",
        "message": "date_from: darf nicht nach date_to (2026-03-01) liegen",
    }
    AgentProfileFactory(user=supervisor, language="pt-br")
    client.get("/search/")
    portuguese = client.get(reverse("interaction-search"), wrong_order, HTTP_ACCEPT_LANGUAGE="de")
    assert portuguese.json()["error"]["message"].startswith("date_from: não pode ser depois de date_to")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"tz": "Nowhere City"}, "tz"),
        ({"agent_id": "abc"}, "agent_id"),
        ({"queue_id": "0"}, "queue_id"),
        ({"state": "lost"}, "state"),
        ({"text": "x" * 201}, "text"),
        ({"contact": "a\x00b"}, "contact"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(client, supervisor, params, field):
    client.force_login(supervisor)
    answer = client.get(reverse("interaction-search"), params)
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]


@pytest.mark.parametrize(("query", "field"), [("stat=closed", "stat"), ("bogus=1", "bogus")])
def test_an_unknown_filter_is_refused_naming_it_and_the_accepted_ones(client, supervisor, query, field):
    client.force_login(supervisor)
    answer = client.get(f"{reverse('interaction-search')}?{query}")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == (
        f"{field}: unknown filter; the search takes contact, text, date_from, date_to, tz, "
        "agent_id, queue_id, disposition, state, cursor"
    )
    assert list(error["fields"]) == [field]


def test_an_unknown_filter_is_refused_in_the_callers_language(client, supervisor):
    client.force_login(supervisor)
    german = client.get(f"{reverse('interaction-search')}?stat=closed", HTTP_ACCEPT_LANGUAGE="de")
    assert german.json()["error"]["message"].startswith("stat: unbekannter Filter; die Suche nimmt contact, ")


def test_what_drf_reads_is_still_accepted(world, client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("interaction-search"), {"format": "json", "state": "closed"}).status_code == 200


def test_a_filter_given_twice_is_refused(client, supervisor):
    client.force_login(supervisor)
    answer = client.get(f"{reverse('interaction-search')}?date_from=2026-01-01&date_from=2020-01-01")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "date_from: given 2 times; give each filter once"
    assert list(answer.json()["error"]["fields"]) == ["date_from"]


@pytest.mark.parametrize(("field", "model"), [("queue_id", "queue"), ("agent_id", "user")])
def test_an_id_of_no_row_is_refused_not_an_empty_result(world, client, supervisor, field, model):
    client.force_login(supervisor)
    answer = client.get(reverse("interaction-search"), {field: "999999"})
    assert answer.status_code == 400
    assert answer.json()["error"] == {"code": "invalid", "message": f"{field}: {model} 999999 does not exist"}
    existing = {"queue_id": world["billing"].pk, "agent_id": world["alice"].pk}[field]
    assert client.get(reverse("interaction-search"), {field: existing}).status_code == 200


def test_a_tampered_cursor_is_a_400_that_says_so(world, client, supervisor):
    client.force_login(supervisor)
    answer = client.get(reverse("interaction-search"), {"cursor": "zzz"})
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "invalid_cursor",
        "message": "cursor: not a cursor of this list; follow the next or previous link of a page",
    }


@pytest.mark.postgres
def test_postgresql_searches_words_with_its_full_text_index(world, supervisor):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    assert full_text_search()
    assert found(supervisor, text="Refund JACKET") == [world["refund"].pk]  # every word, any order
    assert found(supervisor, text="jack") == []  # words, not substrings
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'message_body_fts_idx'")
        assert "to_tsvector('simple'::regconfig, body)" in cursor.fetchone()[0]


def test_the_search_page_offers_agents_to_supervisors_only(world, client, supervisor):
    alice = world["alice"]
    option = f'<option value="{alice.pk}">{alice.get_full_name() or alice.username}</option>'
    client.force_login(supervisor)
    assert option in client.get(reverse("reports:search")).content.decode()
    client.force_login(alice)
    page = client.get(reverse("reports:search")).content.decode()
    assert option not in page
    assert "Billing" in page


@pytest.mark.postgres
def test_postgresql_finds_contacts_by_word_prefixes_and_the_start_of_their_number(world, supervisor):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    refund = world["refund"].pk
    assert found(supervisor, contact="schm len") == [refund]  # every word, as a prefix, any order
    assert found(supervisor, contact="+49 151 1234") == [refund]
    assert found(supervisor, contact="@lena.s") == [refund]
    assert found(supervisor, contact="(Lena) & | !") == [refund]  # no operator of tsquery gets through
    assert found(supervisor, contact="Lena 'x") == []  # every word must match
    assert found(supervisor, contact="chmidt") == []  # prefixes, not any substring
