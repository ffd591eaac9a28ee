"""The console's REST endpoints: permissions, transcript paging (W3), query counts, R3."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import (
    BusinessAttribute,
    Interaction,
    InteractionNote,
    Message,
    OptionValue,
    Reaction,
)
from tests.factories import (
    DIRECTORY,
    AgentProfileFactory,
    ChannelFactory,
    InteractionFactory,
    MessageFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    return AgentProfileFactory().user


@pytest.fixture
def api(client, agent):
    client.force_login(agent)
    return client


def with_history(channel, agent, *, previous: int, per_interaction: int, tag: str = ""):
    """A contact with ``previous`` closed interactions and an open one owned by ``agent``
    (``tag`` keeps the wamids of several such contacts apart)."""
    start = timezone.now() - timedelta(days=previous + 1)
    current = InteractionFactory.create(channel=channel, owner=agent, state=Interaction.State.ACTIVE)
    contact = current.contact
    Interaction.objects.filter(pk=current.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    rows = []
    for n in range(previous):
        old = InteractionFactory.create(channel=channel, contact=contact, state=Interaction.State.CLOSED)
        Interaction.objects.filter(pk=old.pk).update(created_at=start + timedelta(days=n))
        for m in range(per_interaction):
            at = start + timedelta(days=n, minutes=m)
            rows.append(
                Message(
                    channel=channel,
                    interaction=old,
                    contact=contact,
                    direction="in" if m % 2 == 0 else "out",
                    wamid=f"wamid.{tag}h{n}-{m}",
                    body=f"old {n}/{m}",
                    origination_at=at,
                    arrived_at=at,
                )
            )
    for m in range(3):
        at = timezone.now() - timedelta(minutes=10 - m)
        rows.append(
            Message(
                channel=channel,
                interaction=current,
                contact=contact,
                direction="in",
                wamid=f"wamid.{tag}c{m}",
                body=f"now {m}",
                origination_at=at,
                arrived_at=at,
            )
        )
    Message.objects.bulk_create(rows)
    current.refresh_from_db()
    return current


def test_agent_me_lists_state_offers_and_open_interactions(api, agent, channel):
    mine = InteractionFactory(channel=channel, owner=agent, state=Interaction.State.ACTIVE)
    InteractionFactory(channel=channel, state=Interaction.State.ACTIVE)  # someone else's
    data = api.get("/api/v1/agent/me/").json()
    assert data["agent"]["username"] == agent.username
    assert [i["id"] for i in data["interactions"]] == [mine.pk]
    assert data["options"]["whatsappsession.max-text-message-size"] == 4096


def test_options_changes_take_effect_without_a_restart(api, agent):
    OptionValue.objects.create(key="whatsappsession.max-text-message-size", value=100)
    from conversations import options

    options.invalidate()  # what the admin does in its process; others see it within seconds
    assert api.get("/api/v1/agent/me/").json()["options"]["whatsappsession.max-text-message-size"] == 100
    OptionValue.objects.create(key="whatsappsession.max-text-message-size", value=50, agent=agent)
    options.invalidate()
    assert api.get("/api/v1/agent/me/").json()["options"]["whatsappsession.max-text-message-size"] == 50


def test_agent_me_brings_the_emoji_set_dispositions_and_map_template_the_options_name(api, agent):
    """W8, R3, W10: the periodic resync carries them, so an option change needs no reload."""
    from conversations import options

    data = api.get("/api/v1/agent/me/").json()
    assert "👍" in data["emojis"]  # no attribute named: the default set
    assert data["dispositions"] == []
    assert data["map_url_template"] == ""

    smileys = BusinessAttribute.objects.create(name="Smileys")
    smileys.values.create(name="🦄", sort_order=2)
    smileys.values.create(name="🍕", sort_order=1)
    codes = BusinessAttribute.objects.create(name="Outcomes")
    codes.values.create(name="solved", display_name="Solved")
    OptionValue.objects.create(key="whatsappsession.emojis-business-attribute", value="Smileys")
    OptionValue.objects.create(key="whatsappsession.disposition-business-attribute", value="Outcomes")
    template = "https://maps.example/static?c={latitude},{longitude}&z={zoom}"
    OptionValue.objects.create(key="whatsappsession.location-map-url-template", value=template)
    options.invalidate()

    data = api.get("/api/v1/agent/me/").json()
    assert data["emojis"] == ["🍕", "🦄"]
    assert data["dispositions"] == [{"code": "solved", "label": "Solved"}]
    assert data["map_url_template"] == template
    page = api.get("/console/").content.decode()
    assert '<option value="solved">Solved</option>' in page  # the Done dialog at first


def test_an_agent_cannot_open_someone_elses_interaction(api, channel):
    other = InteractionFactory(channel=channel, state=Interaction.State.ACTIVE)
    for path in ("console", "transcript", "messages"):
        response = api.get(f"/api/v1/interactions/{other.pk}/{path}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_api_needs_authentication(client, channel):
    response = client.get("/api/v1/agent/me/")
    assert response.status_code == 401  # with the scheme to use, for an API client
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_first_transcript_page_holds_current_and_last_previous_interactions(api, agent, channel):
    current = with_history(channel, agent, previous=4, per_interaction=3)
    OptionValue.objects.create(key="whatsappsession.transcript-interactions-count", value=2)
    from conversations import options

    options.invalidate()
    page = api.get(f"/api/v1/interactions/{current.pk}/transcript/").json()
    bodies = [m["body"] for m in page["messages"]]
    assert bodies == [
        "old 2/0",
        "old 2/1",
        "old 2/2",
        "old 3/0",
        "old 3/1",
        "old 3/2",
        "now 0",
        "now 1",
        "now 2",
    ]
    assert page["older"] is not None
    older = api.get(f"/api/v1/interactions/{current.pk}/transcript/", {"before": page["older"]}).json()
    assert [m["body"] for m in older["messages"]][-1] == "old 1/2"
    assert older["older"] is None  # 6 older messages fit in one page
    assert len(page["interactions"]) == 3


def test_a_conversation_without_messages_still_offers_the_earlier_history(api, agent, channel):
    """W3: nothing to show yet and no earlier conversation shown: "see older messages…" is offered."""
    current = with_history(channel, agent, previous=2, per_interaction=3)
    Message.objects.filter(interaction=current).delete()
    OptionValue.objects.create(key="whatsappsession.transcript-interactions-count", value=0)
    from conversations import options

    options.invalidate()
    page = api.get(f"/api/v1/interactions/{current.pk}/transcript/").json()
    assert page["messages"] == []
    assert page["older"] is not None
    older = api.get(f"/api/v1/interactions/{current.pk}/transcript/", {"before": page["older"]}).json()
    assert [m["body"] for m in older["messages"]] == [f"old {n}/{m}" for n in range(2) for m in range(3)]
    assert older["older"] is None


def test_a_contact_without_any_history_offers_no_older_messages(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    Message.objects.filter(interaction=current).delete()
    page = api.get(f"/api/v1/interactions/{current.pk}/transcript/").json()
    assert (page["messages"], page["older"]) == ([], None)


def test_transcript_shows_only_the_current_channel_unless_configured(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    other_channel = ChannelFactory()
    earlier = InteractionFactory(channel=other_channel, contact=current.contact, state="closed")
    Interaction.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - timedelta(days=2))
    MessageFactory(
        interaction=earlier, body="from the other number", origination_at=timezone.now() - timedelta(days=2)
    )
    bodies = [m["body"] for m in api.get(f"/api/v1/interactions/{current.pk}/transcript/").json()["messages"]]
    assert "from the other number" not in bodies
    OptionValue.objects.create(key="whatsappsession.show-cross-channel-messages", value=True)
    from conversations import options

    options.invalidate()
    page = api.get(f"/api/v1/interactions/{current.pk}/transcript/").json()
    assert "from the other number" in [m["body"] for m in page["messages"]]


def test_opening_and_paging_cost_the_same_queries_for_a_short_and_a_long_history(api, agent, channel):
    """Opening an interaction and a deep "see older messages" page: no query per message,
    per reaction or per earlier interaction."""
    short = with_history(channel, agent, previous=2, per_interaction=30, tag="s")  # 2 pages
    long = with_history(channel, agent, previous=30, per_interaction=40, tag="l")  # 25 pages
    for current in (short, long):
        for target in Message.objects.filter(contact=current.contact).order_by("-id")[:3]:
            Reaction.objects.create(
                channel=channel,
                target_wamid=target.wamid,
                direction="out",
                emoji="👍",
                reacted_at=timezone.now(),
            )
        InteractionNote.objects.create(interaction=current, author=agent, body="called back")
    OptionValue.objects.create(key="whatsappsession.transcript-interactions-count", value=1)
    from conversations import options

    options.invalidate()
    api.get(f"/api/v1/interactions/{short.pk}/transcript/")  # the options snapshot loads once

    def opening(current) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/api/v1/interactions/{current.pk}/console/").status_code == 200
            page = api.get(f"/api/v1/interactions/{current.pk}/transcript/").json()
        return len(queries.captured_queries), page["older"]

    def older_page(current, cursor: str) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as queries:
            page = api.get(f"/api/v1/interactions/{current.pk}/transcript/", {"before": cursor}).json()
        return len(queries.captured_queries), page

    short_opening, short_cursor = opening(short)
    long_opening, long_cursor = opening(long)
    assert short_opening == long_opening <= 17

    short_older, short_page = older_page(short, short_cursor)
    assert short_page["messages"] and short_page["older"] is None  # its last page
    for _ in range(20):  # deep into the long history
        long_older, long_page = older_page(long, long_cursor)
        long_cursor = long_page["older"]
    assert long_cursor is not None and len(long_page["messages"]) == 50
    assert short_older == long_older <= 9


def test_deep_older_pages_cost_the_same_queries_as_the_first(api, agent, channel):
    current = with_history(channel, agent, previous=10, per_interaction=30)
    counts = []
    cursor = api.get(f"/api/v1/interactions/{current.pk}/transcript/").json()["older"]
    while cursor:
        with CaptureQueriesContext(connection) as queries:
            page = api.get(f"/api/v1/interactions/{current.pk}/transcript/", {"before": cursor}).json()
        counts.append(len(queries.captured_queries))
        cursor = page["older"]
    assert len(counts) >= 5
    assert len(set(counts)) == 1


def test_a_malformed_cursor_is_a_clear_400(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    response = api.get(f"/api/v1/interactions/{current.pk}/transcript/", {"before": "yesterday"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_cursor"


def test_catch_up_returns_messages_after_the_last_seen_id(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    ids = list(Message.objects.filter(interaction=current).order_by("id").values_list("pk", flat=True))
    data = api.get(f"/api/v1/interactions/{current.pk}/messages/", {"after_id": ids[0]}).json()
    assert [m["id"] for m in data["messages"]] == ids[1:]
    assert api.get(f"/api/v1/interactions/{current.pk}/messages/", {"after_id": "x"}).status_code == 400


def test_catch_up_returns_messages_already_shown_again_with_their_changes(api, agent, channel):
    """A reconnect finds what changed on messages it already shows: ticks, reactions, deletes."""
    current = with_history(channel, agent, previous=1, per_interaction=2)
    shown = list(Message.objects.filter(contact=current.contact).order_by("id"))
    mine = MessageFactory(interaction=current, direction="out", status="delivered", wamid="wamid.mine")
    # while the console was offline: the customer read it and reacted to it, and deleted an old one
    Message.objects.filter(pk=mine.pk).update(status="read")
    Reaction.objects.create(
        channel=channel, target_wamid=mine.wamid, direction="in", emoji="❤️", reacted_at=timezone.now()
    )
    Message.objects.filter(pk=shown[0].pk).update(revoked_at=timezone.now())
    stranger = MessageFactory(channel=channel, body="someone else's")  # not in this transcript

    ids = [shown[0].pk, mine.pk, stranger.pk]
    data = api.get(
        f"/api/v1/interactions/{current.pk}/messages/",
        {"after_id": mine.pk, "ids": ",".join(map(str, ids))},
    ).json()

    assert data["messages"] == []
    refreshed = {m["id"]: m for m in data["refreshed"]}
    assert set(refreshed) == {shown[0].pk, mine.pk}
    assert refreshed[mine.pk]["status"] == "read"
    assert refreshed[mine.pk]["reactions"] == [{"direction": "in", "emoji": "❤️"}]
    assert refreshed[shown[0].pk]["revoked"] is True


def test_catching_up_with_messages_to_refresh_costs_a_fixed_number_of_queries(api, agent, channel):
    current = with_history(channel, agent, previous=3, per_interaction=40)
    ids = list(Message.objects.filter(contact=current.contact).order_by("-id").values_list("pk", flat=True))
    path = f"/api/v1/interactions/{current.pk}/messages/"
    api.get(path, {"ids": ids[0]})  # the options snapshot is loaded once per process
    counts = []
    for some in (ids[:1], ids[:100]):
        with CaptureQueriesContext(connection) as queries:
            data = api.get(path, {"after_id": ids[0], "ids": ",".join(map(str, some))}).json()
        assert len(data["refreshed"]) == len(some)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_catch_up_refuses_malformed_or_too_many_ids(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    path = f"/api/v1/interactions/{current.pk}/messages/"
    assert api.get(path, {"ids": "1,x"}).json()["error"]["code"] == "invalid"
    too_many = ",".join(str(n) for n in range(1, 202))
    assert api.get(path, {"ids": too_many}).status_code == 400


def test_done_with_a_disposition_closes_the_interaction(
    api, agent, channel, django_capture_on_commit_callbacks
):
    codes = BusinessAttribute.objects.create(name="DispositionCode")
    codes.values.create(name="resolved", display_name="Resolved")
    current = with_history(channel, agent, previous=0, per_interaction=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/interactions/{current.pk}/done/",
            {"disposition": "resolved", "note": "Refund issued"},
            content_type="application/json",
        )
    assert response.status_code == 200
    current.refresh_from_db()
    assert (current.state, current.disposition) == ("closed", "resolved")
    assert current.notes.get().body == "Refund issued"
    assert api.get("/api/v1/agent/me/").json()["interactions"] == []
    again = api.post(f"/api/v1/interactions/{current.pk}/done/", {}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "closed"


def test_unknown_disposition_is_refused(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    response = api.post(
        f"/api/v1/interactions/{current.pk}/done/", {"disposition": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_disposition"
    current.refresh_from_db()
    assert current.state == "active"


def test_case_data_notes_and_contact_edits(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    base = f"/api/v1/interactions/{current.pk}"
    assert api.patch(
        f"{base}/case-data/", {"case_data": {"order": "A-17"}}, content_type="application/json"
    ).json() == {"case_data": {"order": "A-17"}}
    assert (
        api.patch(f"{base}/case-data/", {"case_data": ["x"]}, content_type="application/json").status_code
        == 400
    )
    note = api.post(f"{base}/notes/", {"body": "VIP"}, content_type="application/json")
    assert note.status_code == 201 and note.json()["body"] == "VIP"
    assert api.post(f"{base}/notes/", {"body": "  "}, content_type="application/json").status_code == 400
    contact = api.patch(
        f"/api/v1/contacts/{current.contact_id}/", {"name": "Dana Smith", "email": "dana@example.com"},
        content_type="application/json",
    )  # fmt: skip
    assert contact.json()["display_name"] == "Dana Smith"
    bad = api.patch(
        f"/api/v1/contacts/{current.contact_id}/", {"email": "not-an-email"}, content_type="application/json"
    )
    assert bad.status_code == 400
    history = api.get(f"/api/v1/contacts/{current.contact_id}/history/").json()["interactions"]
    assert [h["id"] for h in history] == [current.pk]


def test_send_validation_errors_are_precise(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    url = f"/api/v1/interactions/{current.pk}/messages/"
    response = api.post(url, {"type": "image"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "attachment_id: upload the file first (POST attachments/)"
    response = api.post(url, {"type": "hologram"}, content_type="application/json")
    assert response.status_code == 400
    current.window_expires_at = timezone.now() - timedelta(hours=1)
    current.save()
    closed = api.post(url, {"type": "text", "body": "hi"}, content_type="application/json")
    assert closed.status_code == 409
    assert closed.json()["error"]["code"] == "window_closed"


def test_upload_refuses_bad_files_and_serves_good_ones_to_their_owner(api, agent, client):
    import io

    from PIL import Image

    bad = api.post("/api/v1/attachments/", {"file": io.BytesIO(b"MZ" + b"\0" * 100)})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "media_rejected"
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(buffer, "PNG")
    buffer.name = "x.png"
    buffer.seek(0)
    good = api.post("/api/v1/attachments/", {"file": buffer})
    assert good.status_code == 201, good.json()
    attachment = good.json()
    assert attachment["kind"] == "image"
    served = api.get(attachment["url"])
    assert served.status_code == 200
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    stranger = AgentProfileFactory().user
    client.force_login(stranger)
    assert client.get(attachment["url"]).status_code == 404


def test_contact_directory_search_pages_by_cursor(client, agent, channel):
    from tests.factories import DIRECTORY, ContactFactory, grant

    client.force_login(grant(agent, DIRECTORY))
    api = client
    ContactFactory(name="Dana Smith", wa_id="4915100000077")
    ContactFactory(name="Sam Doe")
    page = api.get("/api/v1/contacts/", {"search": "dana"})
    assert page.status_code == 200
    assert [c["name"] for c in page.json()["results"]] == ["Dana Smith"]
    assert [c["name"] for c in api.get("/api/v1/contacts/", {"search": "0077"}).json()["results"]] == [
        "Dana Smith"
    ]


def test_contact_history_is_for_those_who_handle_the_contact(api, agent, channel, client):
    mine = with_history(channel, agent, previous=1, per_interaction=1)
    assert api.get(f"/api/v1/contacts/{mine.contact_id}/history/").status_code == 200
    stranger = AgentProfileFactory().user
    client.force_login(stranger)
    assert client.get(f"/api/v1/contacts/{mine.contact_id}/history/").status_code == 404


def test_the_directory_offers_history_exactly_where_the_history_endpoint_opens_it(
    api, agent, channel, client, django_assert_max_num_queries
):
    """W11: "History" is offered for a contact when, and only when, its history opens:
    the directory's payload and the endpoint ask the same rule."""
    from tests.factories import ContactFactory

    handled = with_history(channel, agent, previous=1, per_interaction=1).contact
    handled.name = "Dana Handled"
    handled.save(update_fields=["name"])
    stranger = ContactFactory(name="Dana Stranger")
    InteractionFactory(channel=channel, contact=stranger, state="closed")  # someone else's
    for _ in range(20):  # a full page costs the same as a short one
        ContactFactory(name="Dana Other")

    agent = grant(agent, DIRECTORY)  # the directory lists every contact; history is narrower
    api.force_login(agent)

    def offered(client) -> dict[str, bool]:
        results = client.get("/api/v1/contacts/", {"search": "dana"}).json()["results"]
        return {c["name"]: c["history_visible"] for c in results if c["name"] != "Dana Other"}

    def opens(client, contact) -> bool:
        return client.get(f"/api/v1/contacts/{contact.pk}/history/").status_code == 200

    with django_assert_max_num_queries(8):
        assert offered(api) == {"Dana Handled": True, "Dana Stranger": False}
    assert (opens(api, handled), opens(api, stranger)) == (True, False)
    assert api.get(f"/api/v1/contacts/{stranger.pk}/").json()["history_visible"] is False
    # "My history" (the agent's closed conversations) says so too
    InteractionFactory(channel=channel, contact=handled, owner=agent, state="closed")
    closed = api.get("/api/v1/interactions/", {"state": "closed"}).json()["results"]
    assert closed and all(i["contact"]["history_visible"] for i in closed)

    client.force_login(UserFactory(is_staff=True, is_superuser=True))  # a supervisor sees every one
    assert offered(client) == {"Dana Handled": True, "Dana Stranger": True}
    assert opens(client, stranger)


def test_a_replayed_client_ref_is_flagged_and_a_reused_one_refused(api, agent, channel):
    current = with_history(channel, agent, previous=0, per_interaction=0)
    Interaction.objects.filter(pk=current.pk).update(
        last_inbound_at=timezone.now(), window_expires_at=timezone.now() + timedelta(hours=1)
    )
    url = f"/api/v1/interactions/{current.pk}/messages/"
    first = api.post(url, {"type": "text", "body": "hi", "client_ref": "r1"}, content_type="application/json")
    again = api.post(url, {"type": "text", "body": "hi", "client_ref": "r1"}, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True and again.json()["id"] == first.json()["id"]
    other = api.post(
        url, {"type": "text", "body": "something else", "client_ref": "r1"}, content_type="application/json"
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "client_ref_reused"
