"""S1 live: the board over the console's socket (supervisors), the waiting count of an
agent's queues, and the coalescing that keeps a storm of changes from becoming a storm of
pushes."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import timezone

from console.consumers import AgentConsumer
from conversations import events, selectors
from conversations.models import Interaction
from conversations.services import routing
from conversations.services.health import phone_number_quality_apply
from tests.cloud_api import payload
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory, UserFactory, grant
from waproject import broadcasts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _board_pushes(settings):
    settings.BOARD_PUSH_INTERVAL = 0  # every change pushed at once: the tests see each one


async def connect(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


def _supervisor():
    return grant(UserFactory(is_staff=True), "supervise_interactions")


def _queued(channel, queue) -> Interaction:
    """A customer starts waiting in ``queue`` (nobody Ready): what the webhook's services do."""
    with transaction.atomic():
        interaction = InteractionFactory.create(
            channel=channel, queue=queue, state=Interaction.State.QUEUED, queued_at=timezone.now()
        )
        events.board_changed()
    return interaction


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict:
    """The next frame of ``kind`` (other live events may come between)."""
    while True:
        frame = await communicator.receive_json_from(timeout=3)
        if frame["type"] == kind:
            return frame


async def test_a_supervisors_board_updates_live(channel):
    queue = await database_sync_to_async(QueueFactory)(name="General")
    supervisor = await database_sync_to_async(_supervisor)()
    lena = await database_sync_to_async(AgentProfileFactory)()
    await database_sync_to_async(lena.queues.add)(queue)
    communicator = await connect(supervisor)
    await communicator.send_json_to({"command": "board", "filters": {"queue_id": queue.pk}})
    board = (await next_of(communicator, "board"))["board"]
    assert board["queues"][0]["waiting"] == 0
    assert board["filters"]["queue_id"] == queue.pk

    await database_sync_to_async(_queued)(channel, queue)
    board = (await next_of(communicator, "board"))["board"]
    assert board["queues"][0]["waiting"] == 1

    await database_sync_to_async(routing.agent_set_ready)(user=lena.user, ready=True)
    board = (await next_of(communicator, "board"))["board"]
    (agent,) = [a for a in board["agents"] if a["id"] == lena.user_id]
    assert agent["is_ready"] is True
    await communicator.disconnect()


async def test_an_agent_sees_their_queues_waiting_count_change(channel):
    mine = await database_sync_to_async(QueueFactory)(name="Mine")
    other = await database_sync_to_async(QueueFactory)(name="Other")
    lena = await database_sync_to_async(AgentProfileFactory)()
    await database_sync_to_async(lena.queues.add)(mine)
    communicator = await connect(lena.user)
    await communicator.send_json_to({"command": "queues"})
    assert await next_of(communicator, "queues") == {
        "type": "queues",
        "queues": [{"id": mine.pk, "name": "Mine", "waiting": 0}],
    }
    await database_sync_to_async(_queued)(channel, other)  # not theirs: nothing to tell
    await database_sync_to_async(_queued)(channel, mine)
    frame = await next_of(communicator, "queues")
    assert frame["queues"] == [{"id": mine.pk, "name": "Mine", "waiting": 1}]
    await communicator.disconnect()


async def group_members(group: str) -> set[str]:
    """This process's channels in ``group`` now, on either layer (in memory, or Redis, where
    earlier test runs' memberships may linger until they expire)."""
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # InMemoryChannelLayer
        return set(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    members = {m.decode() for m in await connection.zrange(layer._group_key(group), 0, -1)}
    return {m for m in members if m.startswith(f"specific.{layer.client_prefix}!")}


async def test_agents_counts_come_once_per_process_not_once_per_socket(channel):
    """Issue 14, target 5: agents' sockets showing counts are not in the board group (each
    board change went to every one of them through the channel layer); the process's live
    watch hears the counts once and hands them to its sockets; a socket whose counts did
    not change gets nothing."""
    mine = await database_sync_to_async(QueueFactory)(name="Mine")
    other = await database_sync_to_async(QueueFactory)(name="Other")
    agents = [await database_sync_to_async(AgentProfileFactory)() for _ in range(3)]
    for agent in agents[:2]:
        await database_sync_to_async(agent.queues.add)(mine)
    await database_sync_to_async(agents[2].queues.add)(other)
    sockets = [await connect(agent.user) for agent in agents]
    for socket in sockets:
        await socket.send_json_to({"command": "queues"})
        assert (await next_of(socket, "queues"))["queues"][0]["waiting"] == 0
    agents_sockets = set()
    for agent in agents:
        agents_sockets |= await group_members(events.agent_group(agent.user_id))
    assert len(agents_sockets) == 3
    assert not agents_sockets & await group_members(events.BOARD_GROUP)
    (process,) = await group_members(events.QUEUE_COUNTS_GROUP)  # one member: the process's watch
    assert process not in agents_sockets

    await database_sync_to_async(_queued)(channel, mine)
    for socket in sockets[:2]:
        assert (await next_of(socket, "queues"))["queues"] == [{"id": mine.pk, "name": "Mine", "waiting": 1}]
    assert await sockets[2].receive_nothing(timeout=0.5)  # Other's count did not change
    for socket in sockets:
        await socket.disconnect()


async def test_agents_may_not_watch_the_board_and_bad_filters_are_refused():
    lena = await database_sync_to_async(AgentProfileFactory)()
    communicator = await connect(lena.user)
    await communicator.send_json_to({"command": "board"})
    error = await communicator.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "not_a_supervisor")
    await communicator.disconnect()

    supervisor = await database_sync_to_async(_supervisor)()
    communicator = await connect(supervisor)
    await communicator.send_json_to({"command": "board", "filters": {"queue_id": "three"}})
    error = await communicator.receive_json_from()
    assert (error["code"], list(error["fields"])) == ("invalid", ["queue_id"])
    await communicator.send_json_to({"command": "board", "filters": [1]})
    assert (await communicator.receive_json_from())["code"] == "invalid"
    await communicator.disconnect()


async def test_a_stopped_board_receives_nothing_more(channel):
    queue = await database_sync_to_async(QueueFactory)(name="General")
    supervisor = await database_sync_to_async(_supervisor)()
    communicator = await connect(supervisor)
    await communicator.send_json_to({"command": "board"})
    await next_of(communicator, "board")
    await communicator.send_json_to({"command": "board_stop"})
    await communicator.send_json_to({"command": "ping"})
    assert (await communicator.receive_json_from())["type"] == "pong"
    await database_sync_to_async(_queued)(channel, queue)
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


def test_a_storm_of_changes_is_coalesced_into_one_push_per_interval(monkeypatch, settings):
    """200 changes in a burst, 20 to a transaction: nothing before the first commit, then
    one push at once and one at the end of the interval (built then, so it carries the last
    change), never one per change; each push hands the board and the agents' counts to the
    channel layer together."""
    key = (events.BOARD_GROUP, "board.changed")
    deadline = time.monotonic() + 2
    while key in broadcasts._scheduled and time.monotonic() < deadline:  # an earlier test's last push
        time.sleep(0.05)
    monkeypatch.setattr(broadcasts, "_last_sent", {})  # nothing sent lately: the first push goes at once
    settings.BOARD_PUSH_INTERVAL = 0.3
    changes = 0
    monkeypatch.setattr(selectors, "queue_waiting_counts", lambda: {"storm": changes})
    monkeypatch.setattr(events, "_board_publish_if_watched", lambda: None)
    pushes: list[tuple[float, list]] = []
    done = threading.Event()

    def deliver(items):
        if items[0][0] == events.BOARD_GROUP:  # not a board snapshot
            pushes.append((time.monotonic(), items))
        if len(pushes) == 2:
            done.set()

    monkeypatch.setattr(events, "deliver", deliver)
    started = time.monotonic()
    for transaction_number in range(10):
        with transaction.atomic():
            for _ in range(20):
                changes += 1
                events.board_changed()
            if transaction_number == 0:
                assert pushes == []  # nothing before the commit
    assert done.wait(2)
    time.sleep(0.4)
    assert len(pushes) == 2
    (_, first), (last_at, last) = pushes
    assert [group for group, _ in first] == [events.BOARD_GROUP, events.QUEUE_COUNTS_GROUP]
    assert first[0][1]["waiting"] == first[1][1]["waiting"] == [["storm", 20]]
    assert last[0][1]["waiting"] == last[1][1]["waiting"] == [["storm", 200]]
    assert last_at - started >= 0.29


async def test_a_burst_of_changes_reaches_the_board_within_a_second_in_few_frames(channel, settings):
    """With the production interval (1 s): 30 customers queue in a burst; the supervisor's
    board shows all of them within about a second of the last, in a handful of frames."""
    settings.BOARD_PUSH_INTERVAL = 1.0
    queue = await database_sync_to_async(QueueFactory)(name="Burst")
    supervisor = await database_sync_to_async(_supervisor)()
    communicator = await connect(supervisor)
    await communicator.send_json_to({"command": "board", "filters": {"queue_id": queue.pk}})
    await next_of(communicator, "board")
    for _ in range(30):
        await database_sync_to_async(_queued)(channel, queue)
    last_change = time.monotonic()
    frames = 0
    while True:
        board = (await next_of(communicator, "board"))["board"]
        frames += 1
        if board["queues"][0]["waiting"] == 30:
            break
    assert time.monotonic() - last_change < 1.5
    assert frames <= 4
    await communicator.disconnect()


async def test_supervisors_watching_the_same_board_share_one_read_per_change(channel, monkeypatch):
    queue = await database_sync_to_async(QueueFactory)(name="Shared")
    reads = []
    real = selectors.supervisor_board

    def counted(**kwargs):
        reads.append(kwargs["filters"])
        return real(**kwargs)

    monkeypatch.setattr(selectors, "supervisor_board", counted)
    sockets = []
    for _ in range(3):
        socket = await connect(await database_sync_to_async(_supervisor)())
        await socket.send_json_to({"command": "board", "filters": {"queue_id": queue.pk}})
        await next_of(socket, "board")
        sockets.append(socket)
    await asyncio.sleep(1.1)  # past each socket's own one-a-second limit
    reads.clear()
    await database_sync_to_async(_queued)(channel, queue)
    for socket in sockets:
        assert (await next_of(socket, "board"))["board"]["queues"][0]["waiting"] == 1
    assert len(reads) == 1
    for socket in sockets:
        await socket.disconnect()


async def test_a_socket_of_a_login_a_supervisor_signed_out_is_refused():
    from django.utils import timezone as tz

    from conversations.services import supervision

    lena = await database_sync_to_async(AgentProfileFactory)()
    lena.user.last_login = tz.now()
    await database_sync_to_async(lena.user.save)()
    supervisor = await database_sync_to_async(_supervisor)()
    await database_sync_to_async(supervision.agent_sign_out)(user=supervisor, agent_id=lena.user_id)
    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = lena.user
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4401)


def _quality_drops(channel) -> None:
    """G5: Meta's ``phone_number_quality_update`` (a downgrade) arrives for the number."""
    value = payload("phone_number_quality_downgrade")["entry"][0]["changes"][0]["value"]
    phone_number_quality_apply(channels=[channel], value=value, at=timezone.now())


async def test_a_drop_in_quality_is_pushed_to_the_supervisors_board(channel):
    supervisor = await database_sync_to_async(_supervisor)()
    communicator = await connect(supervisor)
    await communicator.send_json_to({"command": "board"})
    assert (await next_of(communicator, "board"))["board"]["numbers"] == []

    await database_sync_to_async(_quality_drops)(channel)
    (number,) = (await next_of(communicator, "board"))["board"]["numbers"]
    assert (number["id"], number["messaging_limit"]) == (channel.pk, "TIER_250")
    assert number["quality_dropped_at"] is not None
    await communicator.disconnect()


async def test_the_whole_board_is_read_once_per_change_for_every_supervisor_and_not_in_the_socket(
    channel, monkeypatch
):
    """S1 under load: supervisors watching the whole board get the snapshot a worker reads
    once per change (``board_publish``); their sockets read nothing themselves, so the web
    process that carries the webhooks spends nothing on the board but the sends."""
    queue = await database_sync_to_async(QueueFactory)(name="Whole")
    snapshots, socket_reads = [], []
    real_snapshot, real_board = selectors.board_snapshot, selectors.supervisor_board

    def snapshot(filters):
        snapshots.append(filters)
        return real_snapshot(filters)

    def board(**kwargs):
        socket_reads.append(kwargs)
        return real_board(**kwargs)

    monkeypatch.setattr(selectors, "board_snapshot", snapshot)
    monkeypatch.setattr(selectors, "supervisor_board", board)
    sockets = []
    for _ in range(3):
        socket = await connect(await database_sync_to_async(_supervisor)())
        await socket.send_json_to({"command": "board", "filters": {}})
        await next_of(socket, "board")
        sockets.append(socket)
    await asyncio.sleep(1.1)  # past each socket's own one-a-second limit
    snapshots.clear()
    socket_reads.clear()
    await database_sync_to_async(_queued)(channel, queue)
    for socket in sockets:
        (shown,) = [q for q in (await next_of(socket, "board"))["board"]["queues"] if q["id"] == queue.pk]
        assert shown["waiting"] == 1
    assert len(snapshots) == 1
    assert socket_reads == []
    for socket in sockets:
        await socket.disconnect()


async def test_nobody_watching_the_whole_board_means_no_snapshot_is_read(channel, monkeypatch):
    from django.core.cache import cache

    await cache.adelete(events.BOARD_WATCHED_KEY)
    queue = await database_sync_to_async(QueueFactory)(name="Quiet")
    snapshots = []
    monkeypatch.setattr(selectors, "board_snapshot", lambda filters: snapshots.append(filters) or {})
    supervisor = await connect(await database_sync_to_async(_supervisor)())
    await supervisor.send_json_to({"command": "board", "filters": {"queue_id": queue.pk}})  # narrowed
    await next_of(supervisor, "board")
    await database_sync_to_async(_queued)(channel, queue)
    assert (await next_of(supervisor, "board"))["board"]["queues"][0]["waiting"] == 1
    assert snapshots == []
    await supervisor.disconnect()


async def test_a_whole_board_whose_mark_lapsed_still_shows_the_next_change(channel, monkeypatch):
    """No change for the mark's lifetime: the emitters no longer see anyone watching, so
    the socket reads the next change itself (and marks again)."""
    monkeypatch.setattr(events, "BOARD_WATCHED_TTL", 1)
    queue = await database_sync_to_async(QueueFactory)(name="Lapsed")
    supervisor = await connect(await database_sync_to_async(_supervisor)())
    await supervisor.send_json_to({"command": "board", "filters": {}})
    await next_of(supervisor, "board")
    await asyncio.sleep(1.2)  # the mark expired
    await database_sync_to_async(_queued)(channel, queue)
    board = (await next_of(supervisor, "board"))["board"]
    assert [q["waiting"] for q in board["queues"] if q["id"] == queue.pk] == [1]
    await supervisor.disconnect()


def test_a_change_commits_and_its_caller_goes_on_when_redis_is_away(channel, monkeypatch):
    """The snapshot's mark lives in the cache (Redis when scaled): a cache that fails must
    not fail the webhook or service whose change it was, after their commit."""
    from django.core.cache import cache

    def away(*args, **kwargs):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(cache, "get", away)
    queue = QueueFactory(name="Away")
    interaction = _queued(channel, queue)  # commits; board_changed's after-commit work runs
    assert Interaction.objects.filter(pk=interaction.pk, state=Interaction.State.QUEUED).exists()
