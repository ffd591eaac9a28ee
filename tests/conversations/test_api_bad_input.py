"""Bad input gets a clear error and nothing is lost (QA round 1, findings 1, 3, 4, 5, 8, 9,
10, 13): every refusal is a 4xx in the API's error shape, nothing is half-written, and the
data stays readable afterwards."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from conversations.exceptions import DomainError
from conversations.models import AgentProfile, Contact, Interaction, InteractionNote, Message
from tests.factories import (
    AgentProfileFactory,
    ContactFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db

#: Beyond any database id (PostgreSQL bigint, SQLite INTEGER: 2**63 - 1).
HUGE = 99999999999999999999999
MAX_ID = 2**63 - 1


def send(api, method: str, url: str, payload: Any = None, *, raw: str | None = None):
    if method == "get":
        return api.get(url)
    body = raw if raw is not None else json.dumps(payload if payload is not None else {})
    return getattr(api, method)(url, body, content_type="application/json")


def error_of(response) -> dict[str, Any]:
    """The error envelope, after checking the body is valid UTF-8 JSON."""
    body = json.loads(response.content.decode("utf-8"))
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    return body["error"]


def assert_reads_work(api, interaction: Interaction) -> None:
    for url in (
        "/api/v1/interactions/",
        f"/api/v1/interactions/{interaction.pk}/",
        f"/api/v1/interactions/{interaction.pk}/console/",
        "/api/v1/contacts/",
        f"/api/v1/contacts/{interaction.contact_id}/",
    ):
        assert api.get(url).status_code == 200, url


# --- finding 1 and 5: lone surrogates and NUL never get in, nor crash an answer ------------


@pytest.mark.parametrize(
    "case_data, path",
    [
        ({"k": "\ud800"}, "case_data.k"),
        ({"k": ["ok", "a\udfffb"]}, "case_data.k.1"),
        ({"k": "nul\u0000"}, "case_data.k"),
        ({"\ud800": 1}, "case_data.\\ud800"),
    ],
)
def test_case_data_with_a_lone_surrogate_or_nul_is_refused_and_nothing_saved(
    api, interaction, case_data, path
):
    response = send(
        api, "patch", f"/api/v1/interactions/{interaction.pk}/case-data/", {"case_data": case_data}
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"].startswith(f"{path}: ")
    assert "\ud800" not in response.content.decode("utf-8")
    interaction.refresh_from_db()
    assert interaction.case_data == {"order": "A-1"}
    assert_reads_work(api, interaction)


@pytest.mark.parametrize(
    "identifiers, path", [({"k": "\udfff"}, "identifiers.k"), ({"x": "\u0000"}, "identifiers.x")]
)
def test_contact_identifiers_with_a_lone_surrogate_or_nul_are_refused(api, interaction, identifiers, path):
    contact_id = interaction.contact_id
    response = send(
        api, "patch", f"/api/v1/contacts/{contact_id}/", {"identifiers": identifiers, "name": "A"}
    )

    assert response.status_code == 400
    assert error_of(response)["message"].startswith(f"{path}: ")
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.identifiers, contact.name) == ({}, "")
    assert_reads_work(api, interaction)


def test_message_and_note_text_with_nul_or_surrogate_is_refused_and_nothing_sent(api, interaction):
    messages, notes = Message.objects.count(), InteractionNote.objects.count()
    url = f"/api/v1/interactions/{interaction.pk}"

    for response in (
        send(api, "post", f"{url}/messages/", {"type": "text", "body": "hi\u0000"}),
        send(api, "post", f"{url}/messages/", {"type": "text", "body": "hi\ud800"}),
        send(api, "post", f"{url}/notes/", {"body": "a\ud800b"}),
    ):
        assert response.status_code == 400
        assert error_of(response)["message"].startswith("body: ")

    assert (Message.objects.count(), InteractionNote.objects.count()) == (messages, notes)
    assert_reads_work(api, interaction)


def test_a_number_beyond_json_range_is_refused_not_stored(api, interaction):
    url = f"/api/v1/interactions/{interaction.pk}/case-data/"
    response = send(api, "patch", url, raw='{"case_data": {"total": 1e999}}')

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("case_data.total: ")
    interaction.refresh_from_db()
    assert interaction.case_data == {"order": "A-1"}


@pytest.mark.parametrize(
    "url, payload, field",
    [
        ("/api/v1/interactions/{pk}/messages/", {"type": "\ud800"}, "type"),
        (
            "/api/v1/outbound-sessions/from-other-media/",
            {"phone": "+4915123", "source_media": "\ud800"},
            "source_media",
        ),
    ],
)
def test_an_invalid_choice_holding_a_surrogate_gets_a_400_not_a_500(api, interaction, url, payload, field):
    interactions = Interaction.objects.count()
    response = send(api, "post", url.format(pk=interaction.pk), payload)

    assert response.status_code == 400
    assert error_of(response)["message"].startswith(f"{field}: ")
    assert Interaction.objects.count() == interactions


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL cannot even store a lone surrogate")
def test_text_stored_earlier_with_a_lone_surrogate_still_renders(api, interaction):
    Interaction.objects.filter(pk=interaction.pk).update(case_data={"k": "a\ud800b"})

    response = api.get(f"/api/v1/interactions/{interaction.pk}/console/")

    assert response.status_code == 200
    assert response.json()["case_data"] == {"k": "a\ufffdb"}
    assert_reads_work(api, interaction)


def test_the_renderer_replaces_what_utf8_and_json_cannot_carry():
    from conversations.api.renderers import SafeJSONRenderer

    rendered = SafeJSONRenderer().render({"a\udc00": ["x\ud800", float("inf")], "n": 1})

    assert json.loads(rendered.decode("utf-8")) == {"a\ufffd": ["x\ufffd", None], "n": 1}


# --- findings 3 and 4: ids from the client are bounded, digits are ASCII, dates are checked --


@pytest.mark.parametrize(
    "method, url",
    [
        ("patch", "contacts/{big}/"),
        ("get", "contacts/{big}/history/"),
        ("post", "interactions/{big}/unpark/"),
        ("get", "interactions/{big}/"),
        ("get", "interactions/0/"),
        ("post", "messages/{big}/retry/"),
        ("get", "templates/{big}/header-file/"),
        ("post", "standard-responses/attachments/{big}/use/"),
    ],
)
def test_an_id_beyond_the_database_range_in_the_path_is_a_404(api, interaction, method, url):
    response = send(api, method, "/api/v1/" + url.format(big=HUGE))

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert Interaction.objects.get(pk=interaction.pk).state == Interaction.State.ACTIVE


def test_the_largest_id_is_looked_up_normally(api, interaction):
    response = api.get(f"/api/v1/interactions/{MAX_ID}/")

    assert response.status_code == 404
    assert error_of(response)["message"] == f"interaction {MAX_ID} does not exist or is not yours"


def test_assigning_a_contact_id_beyond_range_is_refused_and_nothing_merged(api, interaction):
    contacts = Contact.objects.filter(merged_into__isnull=True).count()
    url = f"/api/v1/interactions/{interaction.pk}/assign-contact/"

    response = send(api, "post", url, {"contact_id": HUGE})

    assert response.status_code == 400
    assert error_of(response)["message"] == (
        "contact_id: Ensure this value is less than or equal to 9223372036854775807."
    )
    assert Contact.objects.filter(merged_into__isnull=True).count() == contacts
    assert Interaction.objects.get(pk=interaction.pk).contact_id == interaction.contact_id


def test_transferring_to_an_agent_id_beyond_range_is_refused_and_the_owner_kept(api, interaction, alice):
    response = send(api, "post", f"/api/v1/interactions/{interaction.pk}/transfer/", {"agent_id": HUGE})

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("agent_id: ")
    assert Interaction.objects.get(pk=interaction.pk).owner_id == alice.pk


@pytest.mark.parametrize(
    "query, field",
    [
        (f"ids={HUGE}", "ids"),
        ("ids=%C2%B2", "ids"),  # "²": str.isdigit() says yes, int() says no
        ("ids=1,%D9%A3", "ids"),  # Arabic-Indic three: int() would accept it
        ("after_id=%C2%B2", "after_id"),
        ("after_id=%D9%A3", "after_id"),
        (f"after_id={HUGE}", "after_id"),
        ("after_id=-5", "after_id"),
    ],
)
def test_catch_up_ids_must_be_ascii_numbers_in_range(api, interaction, query, field):
    response = api.get(f"/api/v1/interactions/{interaction.pk}/messages/?{query}")

    assert response.status_code == 400
    assert error_of(response)["message"].startswith(f"{field}: ")
    ok = api.get(f"/api/v1/interactions/{interaction.pk}/messages/?after_id=0&ids=1,2")
    assert ok.status_code == 200
    assert len(ok.json()["messages"]) == 1


@pytest.mark.parametrize(
    "before",
    [
        f"2024-01-01T00:00:00%2B00:00|{HUGE}",
        "2024-01-01T00:00:00|%C2%B2",
        "2024-13-45T00:00:00|1",
        "9999-12-31T23:59:59-23:59|1",
        "%00|1",
        "|1",
        "nonsense",
    ],
)
def test_a_malformed_transcript_cursor_is_a_400(api, interaction, before):
    response = api.get(f"/api/v1/interactions/{interaction.pk}/transcript/?before={before}")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_cursor"
    assert "'before' cursor" in error["message"]


def test_a_well_formed_transcript_cursor_pages_back(api, interaction):
    old = MessageFactory(interaction=interaction, origination_at=timezone.now() - timedelta(days=1))
    cursor = f"{timezone.now().isoformat()}|{MAX_ID}".replace("+", "%2B")

    response = api.get(f"/api/v1/interactions/{interaction.pk}/transcript/?before={cursor}")

    assert response.status_code == 200
    assert old.pk in [m["id"] for m in response.json()["messages"]]


@pytest.mark.parametrize("channel_id", ["%C2%B2", str(HUGE), "0", "-1"])
def test_the_template_list_refuses_a_bad_channel_id(api, interaction, channel_id):
    response = api.get(f"/api/v1/templates/?channel_id={channel_id}")

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("channel_id: ")
    assert api.get(f"/api/v1/templates/?channel_id={interaction.channel_id}").status_code == 200


# --- finding 8: Django's Http404 gets a real message ------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        ("/api/v1/attachments/999/file/", "attachment 999 does not exist"),
        ("/api/v1/attachments/999/thumbnail/", "attachment 999 does not exist"),
        ("/api/v1/templates/999/header-file/", "template 999 does not exist or has no header file"),
    ],
)
def test_a_missing_file_is_a_404_with_a_message(api, url, message):
    response = api.get(url)

    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": message}


def test_an_unknown_api_path_is_a_404_in_the_error_shape(api):
    response = api.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


# --- finding 9: a tampered pagination cursor ---------------------------------------------------


@pytest.mark.parametrize("endpoint", ["interactions", "contacts"])
@pytest.mark.parametrize("cursor", ["cD1hYmM%3D", "zzz", "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ%3D%3D"])
def test_a_tampered_page_cursor_is_an_invalid_cursor_400(api, interaction, endpoint, cursor):
    response = api.get(f"/api/v1/{endpoint}/?cursor={cursor}")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_cursor",
        "message": "cursor: not a cursor of this list; follow the next or previous link of a page",
    }


def test_a_genuine_page_cursor_still_pages(api):
    ContactFactory.create_batch(51)

    first = api.get("/api/v1/contacts/").json()
    second = api.get(first["next"]).json()

    assert (len(first["results"]), len(second["results"])) == (50, 1)


# --- finding 10: search length, and text query parameters ---------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/contacts/", "/api/v1/transfer-targets/", "/api/v1/standard-responses/"]
)
def test_a_search_longer_than_200_characters_is_a_400(api, url):
    response = api.get(url, {"search": "a" * 100_000})

    assert response.status_code == 400
    assert error_of(response)["message"] == "search: at most 200 characters"
    assert api.get(url, {"search": "a" * 200}).status_code == 200


@pytest.mark.parametrize(
    "url", ["/api/v1/contacts/", "/api/v1/transfer-targets/", "/api/v1/standard-responses/"]
)
def test_a_search_holding_nul_is_a_400(api, url):
    response = api.get(url + "?search=a%00b")

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("search: ")


def test_contacts_search_still_finds_by_name(api):
    ContactFactory(name="Zoë Quartermain")

    response = api.get("/api/v1/contacts/", {"search": "quarter"})

    assert [c["name"] for c in response.json()["results"]] == ["Zoë Quartermain"]


@pytest.mark.parametrize("state", ["%00", "x" * 300, "nonsense"])
def test_an_unknown_interaction_state_filter_is_a_400(api, interaction, state):
    response = api.get(f"/api/v1/interactions/?state={state}")

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("state: ")
    active = api.get("/api/v1/interactions/?state=active").json()["results"]
    assert [i["id"] for i in active] == [interaction.pk]


# --- finding 13: Ready / Not Ready must be said, not implied --------------------------------------


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "ready: This field is required."),
        ("csrfmiddlewaretoken=x", "ready: This field is required."),
        ("other=1", "other: unknown field; the body takes ready"),
    ],
)
def test_a_form_post_without_ready_is_refused_and_the_agent_stays_ready(api, alice, body, message):
    AgentProfile.objects.filter(user=alice).update(is_ready=True)

    response = api.post("/api/v1/agent/me/state/", body, content_type=FORM)

    assert response.status_code == 400
    assert error_of(response)["message"] == message
    assert AgentProfile.objects.get(user=alice).is_ready is True


def test_a_json_post_without_ready_is_refused(api, alice):
    AgentProfile.objects.filter(user=alice).update(is_ready=True)

    response = send(api, "post", "/api/v1/agent/me/state/", {})

    assert response.status_code == 400
    assert AgentProfile.objects.get(user=alice).is_ready is True


def test_a_form_post_with_ready_still_sets_the_state(api, alice):
    response = api.post("/api/v1/agent/me/state/", "ready=true", content_type=FORM)

    assert response.status_code == 200
    assert AgentProfile.objects.get(user=alice).is_ready is True


@pytest.mark.parametrize("encoding", ["form", "multipart"])
def test_a_form_post_holding_nul_is_refused(api, interaction, encoding):
    url = f"/api/v1/interactions/{interaction.pk}/notes/"
    if encoding == "form":
        response = api.post(url, "body=a%00b", content_type=FORM)
    else:
        response = api.post(url, {"body": "a\u0000b"})

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("body: ")
    assert InteractionNote.objects.count() == 0


# --- issue 8: what the schema calls invalid, the server refuses (and names the field) ---------


@pytest.mark.parametrize(
    "method, url, payload, field",
    [
        ("patch", "/api/v1/contacts/{contact}/", {"phone": 0}, "phone"),
        ("patch", "/api/v1/contacts/{contact}/", {"name": 12.5}, "name"),
        ("post", "/api/v1/interactions/{pk}/notes/", {"body": 0}, "body"),
        ("post", "/api/v1/interactions/{pk}/done/", {"note": False}, "note"),
        ("post", "/api/v1/outbound-sessions/", {"phone": 4915100000000, "template_id": 1}, "phone"),
        ("post", "/api/v1/interactions/{pk}/read/", {"message_id": "1"}, "message_id"),
        ("post", "/api/v1/interactions/{pk}/read/", {"message_id": True}, "message_id"),
        ("post", "/api/v1/interactions/{pk}/read/", {"message_id": 1.5}, "message_id"),
        ("post", "/api/v1/agent/me/state/", {"ready": "yes"}, "ready"),
        ("post", "/api/v1/agent/me/state/", {"ready": 1}, "ready"),
    ],
)
def test_a_json_value_of_the_wrong_type_is_refused_not_converted(
    api, interaction, method, url, payload, field
):
    contact = Contact.objects.get(pk=interaction.contact_id)

    response = send(api, method, url.format(pk=interaction.pk, contact=contact.pk), payload)

    assert response.status_code == 400
    assert error_of(response)["message"].startswith(f"{field}: ")
    contact.refresh_from_db()
    assert (contact.phone, contact.name) == ("", "")
    assert not InteractionNote.objects.exists()
    assert Interaction.objects.get(pk=interaction.pk).state == Interaction.State.ACTIVE


def test_a_whole_number_written_as_a_float_is_an_id(api, interaction):
    response = send(api, "post", f"/api/v1/interactions/{interaction.pk}/read/", {"message_id": 1e17})

    assert response.status_code == 200


def test_form_posts_still_carry_ids_and_flags_as_text(api, interaction, alice):
    url = f"/api/v1/interactions/{interaction.pk}/read/"

    assert api.post(url, f"message_id={interaction.messages.get().pk}", content_type=FORM).status_code == 200
    assert api.post("/api/v1/agent/me/state/", {"ready": "false"}).status_code == 200
    assert AgentProfile.objects.get(user=alice).is_ready is False


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/templates/?channel_id=", "channel_id"),
        ("/api/v1/interactions/?state=", "state"),
        ("/api/v1/interactions/{pk}/messages/?after_id=", "after_id"),
        ("/api/v1/interactions/{pk}/messages/?ids=01", "ids"),
        ("/api/v1/interactions/{pk}/messages/?ids=1,,2", "ids"),
        ("/api/v1/interactions/{pk}/messages/?ids=1,%202", "ids"),
    ],
)
def test_an_empty_or_malformed_query_parameter_is_refused_not_ignored(api, interaction, url, field):
    response = api.get(url.format(pk=interaction.pk))

    assert response.status_code == 400
    assert error_of(response)["message"].startswith(f"{field}: ")


def test_an_empty_transcript_cursor_is_malformed_not_the_first_page(api, interaction):
    response = api.get(f"/api/v1/interactions/{interaction.pk}/transcript/?before=")

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_cursor"


@pytest.mark.parametrize("phone", ["+4\u0669151000000", "+49\t151 000 0000", "+49 151 000 0000\n"])
def test_a_phone_outside_the_schemas_pattern_is_a_bad_phone(phone):
    """Arabic-Indic digits passed ``\\d`` and became the customer's WhatsApp id."""
    from conversations.services.sessions import _wa_id

    with pytest.raises(DomainError) as refused:
        _wa_id(phone)

    assert refused.value.code == "bad_phone"
    assert _wa_id("(+49) 151 000-0000") == "491510000000"


@pytest.mark.parametrize(
    "action, payload",
    [("done", {}), ("case-data", {"case_data": {}}), ("transfer", {"queue_id": 1}), ("park", {})],
)
def test_an_owner_only_action_is_a_404_for_who_cannot_see_it_and_a_403_for_a_guest(
    client, interaction, action, payload
):
    url = f"/api/v1/interactions/{interaction.pk}/{action}/"
    stranger, guest = AgentProfileFactory().user, AgentProfileFactory().user
    interaction.participants.create(agent=guest, kind="conference", state="joined")

    client.force_login(stranger)
    hidden = send(client, "post" if action != "case-data" else "patch", url, payload)
    client.force_login(guest)
    refused = send(client, "post" if action != "case-data" else "patch", url, payload)

    assert (hidden.status_code, error_of(hidden)["code"]) == (404, "not_found")
    assert (refused.status_code, error_of(refused)["code"]) == (403, "permission_denied")
    assert Interaction.objects.get(pk=interaction.pk).state == Interaction.State.ACTIVE
