"""The agent console's WebSocket: one per browser tab, authenticated, thin.

It carries live events (from ``events.py``, after commit) to the browser, and one
command: ``subscribe`` to the interactions the agent has open, checked against what the
agent may see. State changes go through the REST API: one path, one set of checks.

Access is checked again whenever it may end (``access.revoked``: Done, transfer, reject,
a withdrawn offer, leaving a conference...): a socket whose agent lost an interaction
leaves its group. Logging out closes the session's sockets (``session.ended``, 4401).

The channel layer may fail under a socket (a Redis restart): joins are retried, and a
socket that cannot join is closed with 1013 (try again later), never answered with a 500;
:mod:`console.live` closes sockets whose memberships were lost with 1012.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from console import live
from conversations import events, payloads, selectors
from conversations.api.inputs import MAX_ID
from conversations.exceptions import DomainError, PermissionDenied
from conversations.permissions import signed_out_by_supervisor
from conversations.services.capacity import agent_profile_for
from ops import metrics
from waproject import broadcasts

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 50
#: S1: a supervisor's socket reads its board at most once every this many seconds (the
#: pushes are coalesced per process; with several processes, here again per socket).
BOARD_MIN_INTERVAL = 1.0
#: The filters of the whole board: its watchers get the snapshot a worker reads once per
#: change (``events.board_publish``); a narrowed board is read here (:class:`SharedBoards`).
WHOLE_BOARD = selectors.BoardFilters()


#: Close code of a socket whose user is signed out (the console stops reconnecting).
SIGNED_OUT = 4401
#: The heartbeat as the console (``socket.js``) and Python's json module write it.
PINGS = frozenset({'{"command":"ping"}', '{"command": "ping"}'})
PONG = '{"type": "pong"}'
#: Close code of a socket whose user is not an agent (nor a supervisor): P6.
NOT_AN_AGENT = 4403


def _session_tag(scope: dict[str, Any]) -> str:
    session_key = getattr(scope.get("session"), "session_key", None)
    return events.session_tag(session_key) if session_key else ""


def _interaction_id(event: Mapping[str, object]) -> int | None:
    """The interaction an interaction-group event is about (None: it names none)."""
    for holder, key in ((event, "interaction_id"), (event.get("message"), "interaction_id")):
        if isinstance(holder, dict) and key in holder:
            found = holder[key]
            return found if isinstance(found, int) and not isinstance(found, bool) else None
    interaction = event.get("interaction")
    found = interaction.get("id") if isinstance(interaction, dict) else None
    return found if isinstance(found, int) and not isinstance(found, bool) else None


class SharedBoards:
    """S1: one board read per change and set of filters in this process, however many
    supervisors watch it: a socket that wants the board reuses a read that started after
    the latest change this process heard of (its result shows that change), else starts one.
    The board does not depend on who reads it (every watcher was checked a supervisor)."""

    def __init__(self) -> None:
        self.changed_at = 0.0
        self.last_change: object = None
        self.reads: dict[selectors.BoardFilters, tuple[float, asyncio.Future[str]]] = {}

    def changed(self, stamp: object) -> None:
        """A ``board.changed`` event (each socket hears the same one: its ``at`` tells)."""
        if stamp is None or stamp != self.last_change:
            self.last_change = stamp
            self.changed_at = time.monotonic()

    async def read(self, user: User, filters: selectors.BoardFilters) -> str:
        """The ``board`` frame as JSON text (encoded once for every socket that shares it)."""
        current = self.reads.get(filters)
        if (
            current is not None
            and current[0] >= self.changed_at
            and current[1].get_loop() is asyncio.get_running_loop()
        ):
            return await asyncio.shield(current[1])
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.reads[filters] = (time.monotonic(), future)
        try:
            board = await database_sync_to_async(selectors.supervisor_board)(user=user, filters=filters)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: a failed read is the caller's, not an unhandled one
            self.reads.pop(filters, None)
            raise
        text = json.dumps({"type": "board", "board": board})
        future.set_result(text)
        return text


shared_boards = SharedBoards()


def _board_watch(user: User, filters: object) -> tuple[selectors.BoardFilters, payloads.Board]:
    """Check the ``board`` command's filters and read the board once (refusals raise)."""
    if filters is None:
        filters = {}
    if not isinstance(filters, dict):
        raise DomainError(_('filters must be an object, e.g. {"queue_id": 3}'), code="invalid")
    selectors.ensure_supervisor(user)
    parsed = selectors.board_filters(filters)
    return parsed, selectors.supervisor_board(user=user, filters=parsed)


def _hello(user: User) -> tuple[payloads.Agent | None, bool, str]:
    """The agent's state for the greeting (None for a user who is not an agent), whether a
    supervisor signed them out since they logged in (S2), and the language their profile
    chose ("" for the browser's: U4)."""
    try:
        profile = agent_profile_for(user)
    except PermissionDenied:
        return None, False, ""
    return payloads.agent_payload(profile), signed_out_by_supervisor(user, profile), profile.language


def _language(scope: Mapping[str, object], chosen: str) -> str:
    """U4: the language of the socket's texts (its error frames), chosen as the console's
    pages choose theirs (``ProfileLanguageMiddleware`` after ``LocaleMiddleware``): the
    agent profile's, else the language cookie's, else the handshake's Accept-Language,
    else the default."""
    if chosen and translation.check_for_language(chosen):
        return chosen
    cookies = scope.get("cookies")
    cookie = str(cookies.get(settings.LANGUAGE_COOKIE_NAME, "")) if isinstance(cookies, dict) else ""
    if cookie and translation.check_for_language(cookie):
        try:
            return translation.get_supported_language_variant(cookie)
        except LookupError:
            pass
    headers = scope.get("headers")
    accept = b""
    if isinstance(headers, list | tuple):
        accept = next((bytes(value) for name, value in headers if name == b"accept-language"), b"")
    for code, _quality in parse_accept_lang_header(accept.decode("latin-1")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class AgentConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=SIGNED_OUT)  # before accept(): the handshake is refused
            return
        hello, signed_out, chosen = await database_sync_to_async(_hello)(user)
        if signed_out:
            await self.close(code=SIGNED_OUT)  # S2: this login was signed out by a supervisor
            return
        if hello is None:
            await self.close(code=NOT_AN_AGENT)  # the console is for agents (P6)
            return
        self.session = _session_tag(self.scope)
        self.language = _language(self.scope, chosen)
        self.interaction_groups: set[str] = set()
        self.board_filters: selectors.BoardFilters | None = None
        self.my_queues: dict[int, str] | None = None  # S1: the agent's queues, when watched
        self.my_waiting: list[payloads.QueueWaiting] = []
        self._board_task: asyncio.Task | None = None
        self._snapshot_task: asyncio.Task | None = None
        self._board_dirty = False
        self._board_sent_at = float("-inf")
        self._board_latest: str | None = None  # the whole board's latest snapshot, not yet sent
        self._board_marked_at = float("-inf")
        self._counts_task: asyncio.Task | None = None
        joined = await live.join(self.channel_layer, events.agent_group(user.pk), self.channel_name)
        await self.accept()
        if not joined:
            await self.close(code=live.TRY_AGAIN_LATER)  # a clear code: the console reconnects
            return
        self.user = user
        live.watch(self)
        metrics.socket_opened(self)  # X2: wa_live_sockets
        await self.send_json({"type": "hello", "agent": hello})

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        metrics.socket_closed(self)
        await live.unwatch(self)
        await live.leave(self.channel_layer, events.agent_group(self.user.pk), self.channel_name)
        for task in (self._board_task, self._snapshot_task, self._counts_task):
            if task is not None:
                task.cancel()
        if self._watches_board():
            await live.leave(self.channel_layer, events.BOARD_GROUP, self.channel_name)
        if self._watches_whole_board():
            await live.leave(self.channel_layer, events.BOARD_SNAPSHOT_GROUP, self.channel_name)
        for group in self.interaction_groups:
            await live.leave(self.channel_layer, group, self.channel_name)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """A socket being closed needs no more watching (its disconnect may come later)."""
        await live.unwatch(self)
        await super().close(code=code, reason=reason)

    async def rejoin(self) -> None:
        """Join this socket's groups again (memberships lapse after the layer's expiry)."""
        board = [events.BOARD_GROUP] if self._watches_board() else []
        if self._watches_whole_board():
            board.append(events.BOARD_SNAPSHOT_GROUP)
        for group in [events.agent_group(self.user.pk), *board, *self.interaction_groups]:
            if not await live.join(self.channel_layer, group, self.channel_name):
                await self.close(code=live.TRY_AGAIN_LATER)
                return

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """A frame that is not a JSON text frame gets an error frame; the socket stays open
        (the base class raised, which closed the socket and lost the agent's live events).
        A command's error frames are in the agent's language (U4: ``_language``).
        The console's heartbeat ``ping`` (every quiet socket, every 30 s: hundreds a second
        at 10,000 consoles) is answered as it came, without decoding or encoding JSON."""
        if text_data in PINGS:
            await self.send(text_data=PONG)
            return
        with translation.override(getattr(self, "language", settings.LANGUAGE_CODE)):
            if text_data is None:
                await self._error("bad_command", _('commands are JSON text frames, e.g. {"command": "ping"}'))
                return
            try:
                content = await self.decode_json(text_data)
            except (ValueError, RecursionError):
                await self._error("bad_command", _('a command is a JSON object, e.g. {"command": "ping"}'))
                return
            await self.receive_json(content, **kwargs)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        command = content.get("command") if isinstance(content, dict) else None
        if command == "ping":
            await self.send_json({"type": "pong"})
        elif command == "subscribe":
            await self._subscribe(content.get("interaction_ids"))
        elif command == "board":
            await self._board_watch(content.get("filters"))
        elif command == "board_stop":
            await self._board_stop()
        elif command == "queues":
            await self._queues_watch()
        else:
            named = repr(command)[:80]  # repr escapes what JSON text cannot hold; cut: no echo of 1 MB
            await self._error(
                "unknown_command",
                _("unknown command %(command)s; see docs/console-protocol.md") % {"command": named},
            )

    # --- S1: the board and the agents' waiting counts ------------------------------------------

    def _watches_board(self) -> bool:
        return getattr(self, "board_filters", None) is not None

    async def _join_board(self) -> bool:
        if self._watches_board():
            return True  # already in the group
        if await live.join(self.channel_layer, events.BOARD_GROUP, self.channel_name):
            return True
        await self.close(code=live.TRY_AGAIN_LATER)
        return False

    async def _board_watch(self, filters: object) -> None:
        """A supervisor watches the board with these filters (again: new filters): the
        board now, then again after changes (``board.changed``)."""
        try:
            parsed, board = await database_sync_to_async(_board_watch)(self.user, filters)
        except DomainError as error:
            await self.send_json(
                {"type": "error", "code": error.code, "message": error.message, **error.extra}
            )
            return
        if not await self._join_board():
            return
        whole = parsed == WHOLE_BOARD
        if whole and not self._watches_whole_board():
            if not await live.join(self.channel_layer, events.BOARD_SNAPSHOT_GROUP, self.channel_name):
                await self.close(code=live.TRY_AGAIN_LATER)
                return
        elif not whole and self._watches_whole_board():
            await live.leave(self.channel_layer, events.BOARD_SNAPSHOT_GROUP, self.channel_name)
        self.board_filters = parsed
        if whole:
            await self._mark_watching(force=True)
        self._board_sent_at = time.monotonic()
        await self.send_json({"type": "board", "board": board})

    def _watches_whole_board(self) -> bool:
        return getattr(self, "board_filters", None) == WHOLE_BOARD

    async def _mark_watching(self, *, force: bool = False) -> None:
        """Tell the emitters someone watches the whole board (a mark that expires: a
        process that dies leaves no mark behind for long), renewed while it is watched."""
        now = time.monotonic()
        if force or now - self._board_marked_at > events.BOARD_WATCHED_TTL / 3:
            try:
                await cache.aset(events.BOARD_WATCHED_KEY, True, events.BOARD_WATCHED_TTL)
            except Exception:  # Redis away: no mark, so this socket reads changes itself
                logger.warning("could not mark the board watched", exc_info=True)
                return
            self._board_marked_at = now

    async def board_snapshot(self, event: dict[str, object]) -> None:
        """The whole board, read once by a worker for every supervisor watching it: sent
        as it came (at most once every BOARD_MIN_INTERVAL; the latest one wins)."""
        text = event.get("text")
        if not self._watches_whole_board() or not isinstance(text, str):
            return
        self._board_latest = text
        await self._mark_watching()
        if self._snapshot_task is None or self._snapshot_task.done():
            self._snapshot_task = asyncio.get_running_loop().create_task(self._board_send_latest())

    async def _board_send_latest(self) -> None:
        while self._board_latest is not None and self._watches_whole_board():
            wait = self._board_sent_at + BOARD_MIN_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            text, self._board_latest = self._board_latest, None
            if text is None or not self._watches_whole_board():
                return
            self._board_sent_at = time.monotonic()
            await self.send(text_data=text)

    async def _board_stop(self) -> None:
        if self._watches_whole_board():
            await live.leave(self.channel_layer, events.BOARD_SNAPSHOT_GROUP, self.channel_name)
        self.board_filters = None
        for task in (self._board_task, self._snapshot_task):
            if task is not None:
                task.cancel()
        self._board_task = self._snapshot_task = None
        if not self._watches_board():
            await live.leave(self.channel_layer, events.BOARD_GROUP, self.channel_name)

    async def _queues_watch(self) -> None:
        """An agent watches the waiting count of their own queues: now, then on changes
        (``process_queue_counts``: the process's live watch hands them over, no group of
        this socket's own)."""
        if not await live.process_groups_joined(self):
            await self.close(code=live.TRY_AGAIN_LATER)
            return
        try:
            waiting = await database_sync_to_async(selectors.queue_waiting_for_agent)(user=self.user)
        except DomainError as error:
            await self._error(error.code, error.message)
            return
        self.my_queues = {q["id"]: q["name"] for q in waiting}
        self.my_waiting = waiting
        await self.send_json({"type": "queues", "queues": waiting})

    def process_queue_counts(self, event: dict[str, Any]) -> None:
        """The waiting counts changed somewhere: this agent's queues' counts from the event
        (no query), sent when one they show changed (the latest only, if sends queue up)."""
        if self.my_queues is None:
            return
        counts = {pair[0]: pair[1] for pair in event.get("waiting", []) if isinstance(pair, list | tuple)}
        waiting: list[payloads.QueueWaiting] = [
            {"id": q, "name": name, "waiting": counts.get(q, 0)} for q, name in self.my_queues.items()
        ]
        if waiting == self.my_waiting:
            return
        self.my_waiting = waiting
        if self._counts_task is None or self._counts_task.done():
            self._counts_task = asyncio.get_running_loop().create_task(self._send_counts())

    async def _send_counts(self) -> None:
        sent: list[payloads.QueueWaiting] | None = None
        while self.my_queues is not None and self.my_waiting != sent:
            sent = self.my_waiting
            await self.send_json({"type": "queues", "queues": sent})

    async def board_changed(self, event: dict[str, Any]) -> None:
        """The board changed somewhere: the supervisor's board read again (at most once
        every BOARD_MIN_INTERVAL)."""
        if self.board_filters is None:
            return
        if self._watches_whole_board():
            # The whole board comes read (``board.snapshot``) while the emitters see the
            # mark; a mark that may have lapsed (no change for its lifetime, a Redis restart)
            # is set again and this change read here, once.
            lapsed = time.monotonic() - self._board_marked_at >= events.BOARD_WATCHED_TTL
            await self._mark_watching()
            if not lapsed:
                return
        # A narrowed board (or a lapsed mark) is read here, once per process and filters.
        shared_boards.changed(event.get("at"))
        self._board_dirty = True
        if self._board_task is None or self._board_task.done():
            self._board_task = asyncio.get_running_loop().create_task(self._board_refresh())

    async def _board_refresh(self) -> None:
        while self._board_dirty and self.board_filters is not None:
            wait = self._board_sent_at + BOARD_MIN_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._board_dirty = False
            filters = self.board_filters
            if filters is None:
                return
            text = await shared_boards.read(self.user, filters)
            self._board_sent_at = time.monotonic()
            await self.send(text_data=text)

    async def _subscribe(self, ids: object) -> None:
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_ID for i in ids
        ):
            # An id beyond the database's range raised in the query and closed the socket.
            await self._error(
                "bad_command", _("interaction_ids must be a list of ids (1 to %(high)s)") % {"high": MAX_ID}
            )
            return
        if len(ids) > MAX_SUBSCRIPTIONS:
            await self._error(
                "bad_command", _("at most %(limit)s interactions at once") % {"limit": MAX_SUBSCRIPTIONS}
            )
            return
        visible = await database_sync_to_async(selectors.interactions_live_for_user)(
            user=self.user, interaction_ids=ids
        )
        wanted = {events.interaction_group(i) for i in visible}
        for group in wanted - self.interaction_groups:
            if not await live.join(self.channel_layer, group, self.channel_name):
                await self.close(code=live.TRY_AGAIN_LATER)
                return
            self.interaction_groups.add(group)
        for group in self.interaction_groups - wanted:
            await live.leave(self.channel_layer, group, self.channel_name)
        self.interaction_groups = wanted
        refused = sorted(set(ids) - visible)
        await self.send_json({"type": "subscribed", "interaction_ids": sorted(visible), "refused": refused})

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _forward(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def _forward_subscribed(self, event: dict[str, Any]) -> None:
        """An interaction group's event, unless this socket left the group meanwhile (an
        event queued on the channel before the discard is dropped here)."""
        interaction_id = _interaction_id(event)
        if interaction_id is None or events.interaction_group(interaction_id) in self.interaction_groups:
            await self.send_json(event)

    async def access_revoked(self, event: dict[str, Any]) -> None:
        """Someone may have lost the interaction: this socket checks its agent still may see
        it, else leaves its group (and tells the browser, which ignores unknown frames)."""
        interaction_id = event.get("interaction_id")
        if not isinstance(interaction_id, int):  # no such group: nothing to leave
            return
        group = events.interaction_group(interaction_id)
        if group not in self.interaction_groups:
            return
        if interaction_id in await database_sync_to_async(selectors.interactions_live_for_user)(
            user=self.user, interaction_ids=[interaction_id]
        ):
            return
        await live.leave(self.channel_layer, group, self.channel_name)
        self.interaction_groups.discard(group)
        await self.send_json({"type": "access.revoked", "interaction_id": interaction_id})

    async def participants_changed(self, event: dict[str, Any]) -> None:
        """Who is in the conversation changed, and with it what this socket's agent may do
        (a guest left, the owner handed over): the frame carries their ``actions`` and
        ``part``, computed for them."""
        interaction_id = _interaction_id(event)
        if interaction_id is None or events.interaction_group(interaction_id) not in self.interaction_groups:
            return
        viewer = await database_sync_to_async(selectors.interaction_viewer)(
            user=self.user, interaction_id=interaction_id
        )
        await self.send_json({**event, **viewer})

    async def session_ended(self, event: dict[str, Any]) -> None:
        """The user logged out: this session's sockets (all of the user's when the
        session is unknown) close as signed out."""
        if not event.get("session") or event["session"] == self.session:
            await self.close(code=SIGNED_OUT)

    # Channel-layer events: the type "a.b_c" arrives at the handler "a_b_c" and is sent
    # to the browser as it is.
    async def broadcast_batch(self, event: Mapping[str, object]) -> None:
        """Several events from one commit to one group (``waproject.broadcasts``), in order."""
        await broadcasts.dispatch_batch(self, event)

    message_created = _forward_subscribed
    message_updated = _forward_subscribed
    message_status = _forward_subscribed
    message_reaction = _forward_subscribed
    interaction_changed = _forward_subscribed
    interaction_assigned = _forward
    interaction_closed = _forward
    interaction_window_closed = _forward
    interaction_reply_timeout = _forward
    offer_created = _forward
    offer_withdrawn = _forward
    agent_state = _forward
    contact_changed = _forward
    workbin_changed = _forward
    conference_invited = _forward
    consultation_message = _forward
    consultation_ended = _forward
    conference_withdrawn = _forward
    options_changed = _forward
    supervision_notice = _forward
