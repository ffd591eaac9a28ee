"""U1: an agent reacts to a customer's message: stored first, sent after the commit by a
task of its own (idempotent, retried), its statuses applied, every console told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conversations import events, selectors
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.models import Interaction, InteractionParticipant, Message, PendingStatus, Reaction
from conversations.services import reactions
from conversations.services.reactions import react_to_message, reaction_send, reactions_due_sweep
from tests.cloud_api import LENA, error, status, statuses
from tests.factories import AgentProfileFactory, InteractionFactory, MessageFactory
from tests.graph_standin import start_graph_standin
from whatsapp.client import SendResult
from whatsapp.errors import PermanentError, RetryableError
from whatsapp.limits import GRAPH_API_VERSION

S = Message.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def graph(settings):
    standin = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = standin.base_url
    yield standin
    standin.close()


@pytest.fixture
def agent(db):
    return AgentProfileFactory().user


@pytest.fixture
def interaction(channel, agent):
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        owner=agent,
        contact__wa_id=LENA.wa_id,
        last_inbound_at=now - timedelta(minutes=5),
        window_expires_at=now + timedelta(hours=23),
    )


@pytest.fixture
def customer_message(interaction):
    return MessageFactory(interaction=interaction, wamid="wamid.customer-1", body="Where is my parcel?")


@pytest.fixture
def frames(monkeypatch) -> list[tuple[list[str], str, dict[str, Any]]]:
    """The live events the services broadcast (after the commit)."""
    sent: list[tuple[list[str], str, dict[str, Any]]] = []
    monkeypatch.setattr(
        events,
        "broadcast_on_commit",
        lambda groups, kind, payload: sent.append((list(groups), kind, payload)),
    )
    return sent


def react(user, message, emoji):
    return react_to_message(
        user=user, interaction_id=message.interaction_id, message_id=message.pk, emoji=emoji
    )


class FakeClient:
    """A Cloud API client that answers from a script (a wamid, or an error to raise)."""

    def __init__(self, *answers: object, before: Any = None) -> None:
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []
        self.before = before

    def send(self, payload: dict[str, Any]) -> SendResult:
        self.sent.append(payload)
        if self.before:
            self.before()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return SendResult(wamid=str(answer), wa_id=None, raw={})

    def close(self) -> None:
        pass


class TestReacting:
    def test_a_reaction_is_stored_then_sent_with_the_documented_json(
        self, graph, agent, interaction, customer_message, frames, django_capture_on_commit_callbacks
    ):
        wamid = graph.accept("wamid.reaction-1")
        with django_capture_on_commit_callbacks(execute=True):
            reaction = react(agent, customer_message, "👍")
        [request] = graph.sends()
        assert request.path == f"/{GRAPH_API_VERSION}/{interaction.channel.phone_number_id}/messages"
        assert request.json() == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": f"+{LENA.wa_id}",
            "type": "reaction",
            "reaction": {"message_id": "wamid.customer-1", "emoji": "👍"},
        }
        reaction.refresh_from_db()
        assert (reaction.direction, reaction.emoji, reaction.status, reaction.wamid) == (
            "out",
            "👍",
            S.ACCEPTED,
            wamid,
        )
        assert reaction.author == agent
        # every console showing the interaction hears it: queued, then accepted
        shown = [(kind, payload["status"]) for _, kind, payload in frames if kind == "message.reaction"]
        assert shown == [("message.reaction", "queued"), ("message.reaction", "accepted")]
        groups, _, payload = next(f for f in frames if f[1] == "message.reaction")
        assert groups == [events.interaction_group(interaction.pk)]
        assert payload["message_id"] == customer_message.pk and payload["direction"] == "out"
        assert payload["author_name"]

    def test_reacting_again_replaces_and_the_empty_emoji_removes(
        self, graph, agent, interaction, customer_message, django_capture_on_commit_callbacks
    ):
        for wamid in ("wamid.r1", "wamid.r2", "wamid.r3"):
            graph.accept(wamid)
        for emoji in ("👍", "❤️", ""):
            with django_capture_on_commit_callbacks(execute=True):
                react(agent, customer_message, emoji)
        assert [s.json()["reaction"]["emoji"] for s in graph.sends()] == ["👍", "❤️", ""]
        reaction = Reaction.objects.get(direction="out")  # one per side and message
        assert (reaction.emoji, reaction.status, reaction.wamid) == ("", S.ACCEPTED, "wamid.r3")

    def test_the_same_emoji_again_and_removing_nothing_send_nothing(
        self, graph, agent, customer_message, django_capture_on_commit_callbacks
    ):
        graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            react(agent, customer_message, "👍")
        with django_capture_on_commit_callbacks(execute=True):
            react(agent, customer_message, "👍")
        assert len(graph.sends()) == 1
        other = MessageFactory(interaction=customer_message.interaction, wamid="wamid.customer-2")
        with django_capture_on_commit_callbacks(execute=True):
            assert react(agent, other, "") is None
        assert len(graph.sends()) == 1

    def test_the_transcript_shows_the_business_reaction_with_who_and_its_state(
        self, agent, customer_message, django_capture_on_commit_callbacks, monkeypatch
    ):
        monkeypatch.setattr(reactions, "enqueue_on_commit", lambda *args, **kwargs: None)
        react(agent, customer_message, "🙏")
        [payload] = selectors.messages_payload([customer_message])
        [shown] = payload["reactions"]
        assert shown["direction"] == "out" and shown["emoji"] == "🙏" and shown["status"] == "queued"
        assert shown["author_name"] == (agent.get_full_name() or agent.username)


class TestRefusals:
    def test_only_the_agents_writing_in_it_may_react(self, agent, interaction, customer_message):
        stranger = AgentProfileFactory().user
        with pytest.raises(PermissionDenied):
            react(stranger, customer_message, "👍")
        guest = AgentProfileFactory().user
        InteractionParticipant.objects.create(
            interaction=interaction,
            agent=guest,
            invited_by=agent,
            kind=InteractionParticipant.Kind.CONFERENCE,
            state=InteractionParticipant.State.JOINED,
        )
        assert react(guest, customer_message, "👍").author == guest
        assert not Reaction.objects.filter(author=stranger).exists()

    def test_not_outside_the_24_hour_window(self, agent, interaction, customer_message):
        Interaction.objects.filter(pk=interaction.pk).update(
            window_expires_at=timezone.now() - timedelta(minutes=1)
        )
        with pytest.raises(Conflict) as refused:
            react(agent, customer_message, "👍")
        assert refused.value.code == "window_closed"
        assert not Reaction.objects.exists()

    def test_not_in_a_done_interaction(self, agent, interaction, customer_message):
        Interaction.objects.filter(pk=interaction.pk).update(state=Interaction.State.CLOSED)
        with pytest.raises(Conflict) as refused:
            react(agent, customer_message, "👍")
        assert refused.value.code == "closed"

    @pytest.mark.parametrize("emoji", ["ok", "👍👍", "👍 ", "<b>", "a" * 40, 5, None])
    def test_only_one_emoji(self, agent, customer_message, emoji):
        with pytest.raises(DomainError) as refused:
            react(agent, customer_message, emoji)
        assert (refused.value.code, refused.value.status) == ("bad_emoji", 400)

    @pytest.mark.parametrize("emoji", ["👍", "❤️", "😂", "😮", "😢", "🙏", "👍🏽", "👨‍👩‍👧", "🇩🇪", "1️⃣"])
    def test_any_single_emoji(self, agent, customer_message, emoji, monkeypatch):
        monkeypatch.setattr(reactions, "enqueue_on_commit", lambda *args, **kwargs: None)
        assert react(agent, customer_message, emoji).emoji == emoji

    def test_only_a_customer_message_that_whatsapp_knows_and_is_still_there(self, agent, interaction):
        ours = MessageFactory(interaction=interaction, direction="out", wamid="wamid.ours")
        notice = MessageFactory(interaction=interaction, type="system", wamid="wamid.system")
        deleted = MessageFactory(interaction=interaction, wamid="wamid.deleted", revoked_at=timezone.now())
        unknown = MessageFactory(interaction=interaction, wamid=None)
        erased = MessageFactory(interaction=interaction, wamid="erased.17")
        for message, code in (
            (ours, "not_reactable"),
            (notice, "not_reactable"),
            (deleted, "revoked"),
            (unknown, "no_wamid"),
            (erased, "no_wamid"),
        ):
            with pytest.raises(DomainError) as refused:
                react(agent, message, "👍")
            assert refused.value.code == code, message
        elsewhere = MessageFactory(wamid="wamid.elsewhere")
        with pytest.raises(NotFound):
            react_to_message(user=agent, interaction_id=interaction.pk, message_id=elsewhere.pk, emoji="👍")
        assert not Reaction.objects.exists()


class TestSending:
    @pytest.fixture
    def queued(self, agent, customer_message, monkeypatch):
        monkeypatch.setattr(reactions, "enqueue_on_commit", lambda *args, **kwargs: None)
        return react(agent, customer_message, "👍")

    def test_the_task_is_idempotent(self, queued):
        client = FakeClient("wamid.r1", "wamid.r2")
        assert reaction_send(reaction_id=queued.pk, client=client)
        assert not reaction_send(reaction_id=queued.pk, client=client)  # already sent: nothing
        assert len(client.sent) == 1

    def test_a_late_answer_never_undoes_a_newer_change(self, agent, customer_message, queued):
        """The agent changed the emoji while the first send was on its way: the first answer
        is not recorded, the new emoji is queued and goes next."""
        client = FakeClient("wamid.old", "wamid.new", before=lambda: react(agent, customer_message, "❤️"))
        assert not reaction_send(reaction_id=queued.pk, client=client)
        queued.refresh_from_db()
        assert (queued.emoji, queued.status, queued.wamid) == ("❤️", S.QUEUED, "")
        client.before = None
        assert reaction_send(reaction_id=queued.pk, client=client)
        queued.refresh_from_db()
        assert (queued.emoji, queued.status, queued.wamid) == ("❤️", S.ACCEPTED, "wamid.new")

    def test_retryable_failures_wait_their_backoff_then_fail_on_the_message(
        self, queued, monkeypatch, frames
    ):
        later: list[tuple[Any, ...]] = []
        monkeypatch.setattr(reactions, "enqueue", lambda *args, **kwargs: later.append((args, kwargs)))
        client = FakeClient(*[RetryableError(code=131000, title="Something went wrong")] * 20)
        for attempt in range(1, reactions.MAX_REACTION_ATTEMPTS + 1):
            Reaction.objects.filter(pk=queued.pk).update(next_attempt_at=None)  # the backoff is over
            assert not reaction_send(reaction_id=queued.pk, client=client)
            queued.refresh_from_db()
            if attempt < reactions.MAX_REACTION_ATTEMPTS:
                assert queued.status == S.QUEUED and queued.next_attempt_at is not None
        assert len(later) == reactions.MAX_REACTION_ATTEMPTS - 1 and all(k["countdown"] > 0 for _, k in later)
        assert (queued.status, queued.error_code) == (S.FAILED, 131000)
        assert frames[-1][2]["status"] == "failed" and frames[-1][2]["error"] == "Something went wrong"

    def test_a_permanent_failure_shows_at_once_and_reacting_again_retries(
        self, agent, customer_message, queued
    ):
        client = FakeClient(PermanentError(code=131047, title="Re-engagement message"), "wamid.r2")
        assert not reaction_send(reaction_id=queued.pk, client=client)
        queued.refresh_from_db()
        assert (queued.status, queued.error_title) == (S.FAILED, "Re-engagement message")
        react(agent, customer_message, "👍")  # the same emoji: failed, so it goes again
        assert reaction_send(reaction_id=queued.pk, client=client)
        queued.refresh_from_db()
        assert (queued.status, queued.error_title) == (S.ACCEPTED, "")

    def test_the_sweep_takes_over_a_crashed_send(self, queued, monkeypatch):
        Reaction.objects.filter(pk=queued.pk).update(
            status=S.SENDING, send_claimed_at=timezone.now() - timedelta(minutes=5)
        )
        due: list[int] = []
        monkeypatch.setattr(reactions, "enqueue", lambda name, reaction_id, **kwargs: due.append(reaction_id))
        assert reactions_due_sweep(now=timezone.now()) == 1
        assert due == [queued.pk]
        assert reaction_send(reaction_id=queued.pk, client=FakeClient("wamid.r1"))


class TestStatuses:
    def test_statuses_of_the_reaction_apply_to_it_not_parked(
        self, agent, customer_message, post_webhook, monkeypatch, frames
    ):
        monkeypatch.setattr(reactions, "enqueue_on_commit", lambda *args, **kwargs: None)
        reaction = react(agent, customer_message, "👍")
        reaction_send(reaction_id=reaction.pk, client=FakeClient("wamid.reaction-9"))
        now = int(timezone.now().timestamp())
        post_webhook(statuses(status("wamid.reaction-9", "delivered", timestamp=now)))
        post_webhook(statuses(status("wamid.reaction-9", "sent", timestamp=now - 1)))  # late: no step back
        reaction.refresh_from_db()
        assert reaction.status == S.DELIVERED
        assert not PendingStatus.objects.exists()
        assert frames[-1][2]["status"] == "delivered"

    def test_a_failed_status_shows_on_the_message(self, agent, customer_message, post_webhook, monkeypatch):
        monkeypatch.setattr(reactions, "enqueue_on_commit", lambda *args, **kwargs: None)
        reaction = react(agent, customer_message, "👍")
        reaction_send(reaction_id=reaction.pk, client=FakeClient("wamid.reaction-10"))
        now = int(timezone.now().timestamp())
        failure = error(131026, "Message undeliverable", "Receiver is incapable of receiving this message")
        post_webhook(statuses(status("wamid.reaction-10", "failed", timestamp=now, errors=[failure])))
        reaction.refresh_from_db()
        assert (reaction.status, reaction.error_code) == (S.FAILED, 131026)


class TestApi:
    """POST interactions/{id}/messages/{message_id}/reaction/ {"emoji": "👍"}."""

    @pytest.fixture
    def api(self, client, agent, monkeypatch):
        monkeypatch.setattr(reactions, "enqueue_on_commit", lambda *args, **kwargs: None)
        client.force_login(agent)
        return client

    @staticmethod
    def url(message) -> str:
        return f"/api/v1/interactions/{message.interaction_id}/messages/{message.pk}/reaction/"

    def post(self, client, message, body: Any):
        return client.post(self.url(message), body, content_type="application/json")

    def test_react_answers_the_message_with_its_reactions(self, api, customer_message):
        response = self.post(api, customer_message, {"emoji": "👍"})
        assert response.status_code == 200, response.content
        assert response.json()["id"] == customer_message.pk
        [shown] = response.json()["reactions"]
        assert (shown["direction"], shown["emoji"], shown["status"]) == ("out", "👍", "queued")
        response = self.post(api, customer_message, {"emoji": ""})
        assert response.status_code == 200
        assert response.json()["reactions"] == []

    @pytest.mark.parametrize(
        ("body", "fields"),
        [
            ({"emoji": "ok"}, False),
            ({"emoji": "👍👍"}, False),
            ({"emoji": 5}, True),
            ({"emoji": "x" * 40}, True),
            ({}, True),
            ([], True),
        ],
    )
    def test_bad_input_is_a_400_with_the_error_envelope(self, api, customer_message, body, fields):
        response = self.post(api, customer_message, body)
        assert response.status_code == 400, response.content
        refusal = response.json()["error"]
        assert refusal["message"]
        assert ("fields" in refusal) == fields
        if not fields:
            assert refusal["code"] == "bad_emoji"
        assert not Reaction.objects.exists()

    def test_window_closed_is_a_409(self, api, interaction, customer_message):
        Interaction.objects.filter(pk=interaction.pk).update(
            window_expires_at=timezone.now() - timedelta(hours=1)
        )
        response = self.post(api, customer_message, {"emoji": "👍"})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "window_closed"

    def test_who_may_not_react(self, client, agent, interaction, customer_message):
        stranger = AgentProfileFactory().user
        client.force_login(stranger)
        assert self.post(client, customer_message, {"emoji": "👍"}).status_code == 404  # cannot see it
        consulted = AgentProfileFactory().user
        InteractionParticipant.objects.create(
            interaction=interaction,
            agent=consulted,
            invited_by=agent,
            kind=InteractionParticipant.Kind.CONSULTATION,
            state=InteractionParticipant.State.JOINED,
        )
        client.force_login(consulted)
        response = self.post(client, customer_message, {"emoji": "👍"})
        assert response.status_code == 403, response.content  # reads it, does not write
        assert not Reaction.objects.exists()

    def test_a_message_of_another_interaction_is_a_404(self, api, interaction):
        elsewhere = MessageFactory(wamid="wamid.elsewhere")
        url = f"/api/v1/interactions/{interaction.pk}/messages/{elsewhere.pk}/reaction/"
        response = api.post(url, {"emoji": "👍"}, content_type="application/json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_the_schema_documents_it(self, api):
        schema = api.get("/api/schema/?format=json").json()
        operation = schema["paths"]["/api/v1/interactions/{id}/messages/{message_id}/reaction/"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
        assert body
