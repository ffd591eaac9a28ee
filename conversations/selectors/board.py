"""S1: the supervisors' live board, and the waiting count an agent sees of their queues.

The board's cost must not grow with the history in the database: every read here goes
through open rows or today's rows only, each through an index (``interaction_open_idx``,
``interaction_waiting_idx``, ``interaction_queued_at_idx``, ``interaction_closed_at_idx``,
the pending offers' ``offer_pending_due_idx``). The open interactions are read once, as
plain values, and the queues' counts, the agents' work and the risks are all derived from
that one read: a fixed number of queries whatever the number of agents, queues or rows
(tests/conversations/test_board.py asserts it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from conversations import payloads
from conversations.exceptions import DomainError, PermissionDenied
from conversations.models import AgentGroup, AgentProfile, Channel, Interaction, Offer, Queue
from conversations.models.contacts import shown_name
from conversations.payloads.common import iso, user_name
from conversations.permissions import ensure_agent, user_is_supervisor
from conversations.selectors.filters import bad_filter, filter_names_check, rows_exist_check
from flows.models import FlowSession

#: How many interactions each "at risk" list shows.
BOARD_RISK_LIMIT = 10
#: The sort keys of the agents (a leading "-" reverses): name, status, time in state, load.
AGENT_SORTS = ("name", "status", "state_since", "load")
#: The sort keys of the queues: name, waiting now, longest wait.
QUEUE_SORTS = ("name", "waiting", "longest_wait")
#: The filters and sorting the board accepts (REST query parameters, the socket's command).
FILTER_NAMES = ("queue_id", "group_id", "channel_id", "agent_sort", "queue_sort")

#: The largest id a row can have (as the API's inputs bound them).
MAX_ID = 2**63 - 1

_STATUS_ORDER = {"ready": 0, "busy": 1, "not_ready": 2, "signed_out": 3}


@dataclass(frozen=True)
class BoardFilters:
    """What the supervisor narrowed the board to, and how it is sorted."""

    queue_id: int | None = None
    group_id: int | None = None
    channel_id: int | None = None
    agent_sort: str = "name"
    queue_sort: str = "name"

    def echo(self) -> payloads.BoardFilterEcho:
        return {
            "queue_id": self.queue_id,
            "group_id": self.group_id,
            "channel_id": self.channel_id,
            "agent_sort": self.agent_sort,
            "queue_sort": self.queue_sort,
        }


def _bad(name: str, message: str) -> DomainError:
    return bad_filter(name, message)


def _id_of(name: str, value: object) -> int | None:
    """An id given as a number (the socket's JSON) or as digits (a query string)."""
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise _bad(name, f"must be a whole number from 1 to {MAX_ID}")
    return value


def _sort_of(name: str, value: object, choices: tuple[str, ...]) -> str:
    if value is None:
        return choices[0]
    allowed = [*choices, *(f"-{c}" for c in choices)]
    if value not in allowed:
        raise _bad(name, f"must be one of {', '.join(allowed)}")
    return str(value)


def board_filters(params: Mapping[str, object]) -> BoardFilters:
    """The board's filters from REST query parameters or the socket's ``board`` command:
    unknown names, names given twice, ids that are no ids and unknown sort keys are
    refused (400, naming the parameter), and so are ids of rows that do not exist, so that a typo does not show an
    empty board that looks like a quiet day."""
    filter_names_check(params, FILTER_NAMES, unknown=gettext("unknown filter; the board takes %(names)s"))
    filters = BoardFilters(
        queue_id=_id_of("queue_id", params.get("queue_id")),
        group_id=_id_of("group_id", params.get("group_id")),
        channel_id=_id_of("channel_id", params.get("channel_id")),
        agent_sort=_sort_of("agent_sort", params.get("agent_sort"), AGENT_SORTS),
        queue_sort=_sort_of("queue_sort", params.get("queue_sort"), QUEUE_SORTS),
    )
    rows_exist_check(
        [
            ("queue_id", Queue, filters.queue_id),
            ("group_id", AgentGroup, filters.group_id),
            ("channel_id", Channel, filters.channel_id),
        ]
    )
    return filters


def ensure_supervisor(user: User | AnonymousUser) -> None:
    if not user_is_supervisor(user):
        raise PermissionDenied(gettext("only supervisors see the board"), code="not_a_supervisor")


def today_start(now: datetime) -> datetime:
    """Midnight of ``now``'s day in the server's time zone (``TIME_ZONE``)."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _contact_name(row: Mapping[str, object]) -> str:
    """U2's rule (``Contact.shown_name``) on the row's columns, as the payloads name them."""

    def text(column: str) -> str:
        return str(row[column] or "")

    return shown_name(
        name=text("contact__name"),
        profile_name=text("contact__profile_name"),
        username=text("contact__username"),
        wa_id=text("contact__wa_id") or None,
        user_id=text("contact__user_id") or None,
        pk=int(str(row["contact_id"])),
    )[0]


_OPEN_FIELDS = (
    "id",
    "state",
    "queue_id",
    "queue__name",
    "channel_id",
    "owner_id",
    "target_group_id",
    "queued_at",
    "awaiting_reply_since",
    "window_expires_at",
    "contact_id",
    "contact__name",
    "contact__profile_name",
    "contact__username",
    "contact__wa_id",
    "contact__user_id",
)


def _board_interaction(row: dict[str, Any], owners: Mapping[int, str]) -> payloads.BoardInteraction:
    return {
        "id": row["id"],
        "state": row["state"],
        "contact": _contact_name(row),
        "queue_id": row["queue_id"],
        "queue": row["queue__name"] or "",
        "channel_id": row["channel_id"],
        "owner_id": row["owner_id"],
        "owner": owners.get(row["owner_id"], "") if row["owner_id"] else "",
        "awaiting_reply_since": iso(row["awaiting_reply_since"]),
        "window_expires_at": iso(row["window_expires_at"]),
    }


def _agent_status(profile: AgentProfile) -> str:
    if profile.is_ready:
        return "ready" if profile.load < profile.capacity else "busy"
    if profile.not_ready_reason == AgentProfile.NotReadyReason.SIGNED_OUT:
        return "signed_out"
    return "not_ready"


def _sorted(rows: list[Any], key: str, keys: dict[str, Any]) -> list[Any]:
    reverse = key.startswith("-")
    return sorted(rows, key=keys[key.lstrip("-")], reverse=reverse)


def supervisor_board(*, user: User | AnonymousUser, filters: BoardFilters | None = None) -> payloads.Board:
    """S1: queues (waiting now, longest wait, offered and abandoned today, agents by state),
    agents (state and reason, since when, load against capacity, their interactions) and
    the interactions at risk, narrowed by queue, agent group and channel. Supervisors only.

    Nine queries, whatever the size of the history: agents (with user and group), their
    queues, the queues, the open interactions, the pending offers, today's entries and
    abandons per queue, the numbers whose quality dropped (G5) and the entry flows that
    broke today (B1).
    """
    ensure_supervisor(user)
    return board_snapshot(filters or BoardFilters())


def board_snapshot(filters: BoardFilters) -> payloads.Board:
    """The board itself, for whoever was checked a supervisor (it does not depend on who
    reads it): :func:`supervisor_board`, and the snapshot ``events.board_publish`` computes
    once per change for every supervisor watching the whole board."""
    now = timezone.now()
    since = today_start(now)

    # Agents, their queues (one prefetch), narrowed by group and queue.
    profiles = AgentProfile.objects.select_related("user", "group").prefetch_related("queues")
    if filters.group_id:
        profiles = profiles.filter(group_id=filters.group_id)
    if filters.queue_id:
        profiles = profiles.filter(queues__id=filters.queue_id)
    agents = list(profiles)
    queue_ids_of = {p.user_id: sorted(q.pk for q in p.queues.all()) for p in agents}
    names = {p.user_id: user_name(p.user) for p in agents}
    agent_ids = set(names)

    queues = list(Queue.objects.filter(pk=filters.queue_id) if filters.queue_id else Queue.objects.all())

    # Every open interaction, once: waiting counts, agents' work and risks come from it.
    open_rows = Interaction.objects.filter(state__in=Interaction.OPEN_STATES)
    if filters.channel_id:
        open_rows = open_rows.filter(channel_id=filters.channel_id)
    if filters.queue_id:
        open_rows = open_rows.filter(queue_id=filters.queue_id)
    rows = list(open_rows.values(*_OPEN_FIELDS))
    if filters.group_id:
        # The group's agents' work, and work routed to the group; the queues' own counts
        # (waiting, offered) stay whole: the group shares them with others.
        mine = [r for r in rows if r["owner_id"] in agent_ids or r["target_group_id"] == filters.group_id]
    else:
        mine = rows

    waiting: dict[int, int] = defaultdict(int)
    longest: dict[int, datetime] = {}
    offered_now: dict[int, int] = defaultdict(int)
    for row in rows:
        queue_id = row["queue_id"]
        if row["state"] == Interaction.State.QUEUED and queue_id is not None:
            waiting[queue_id] += 1
            queued_at = row["queued_at"]
            if queued_at is not None and (queue_id not in longest or queued_at < longest[queue_id]):
                longest[queue_id] = queued_at
        elif row["state"] == Interaction.State.OFFERED and queue_id is not None:
            offered_now[queue_id] += 1

    # Today: entries per queue and abandons per queue (two indexed range reads).
    today = Interaction.objects.all()
    if filters.channel_id:
        today = today.filter(channel_id=filters.channel_id)
    if filters.queue_id:
        today = today.filter(queue_id=filters.queue_id)
    entered = dict(
        today.filter(queued_at__gte=since, queue__isnull=False)
        .values_list("queue_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    abandoned = dict(
        today.filter(
            closed_at__gte=since,
            accepted_at__isnull=True,
            origin=Interaction.Origin.INBOUND,
            queue__isnull=False,
        )
        .values_list("queue_id")
        .annotate(n=Count("id"))
        .order_by()
    )

    statuses = {p.user_id: _agent_status(p) for p in agents}
    by_queue: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for profile in agents:
        for queue_id in queue_ids_of[profile.user_id]:
            status = statuses[profile.user_id]
            by_queue[queue_id]["not_ready" if status == "signed_out" else status] += 1

    queue_rows: list[payloads.BoardQueue] = [
        {
            "id": q.pk,
            "name": q.name,
            "waiting": waiting.get(q.pk, 0),
            "longest_waiting_since": iso(longest.get(q.pk)),
            "offered_now": offered_now.get(q.pk, 0),
            "offered_today": entered.get(q.pk, 0),
            "abandoned_today": abandoned.get(q.pk, 0),
            "agents_ready": by_queue[q.pk]["ready"],
            "agents_busy": by_queue[q.pk]["busy"],
            "agents_not_ready": by_queue[q.pk]["not_ready"],
        }
        for q in queues
    ]
    far = now.replace(year=9999)
    queue_rows = _sorted(
        queue_rows,
        filters.queue_sort,
        {
            "name": lambda q: q["name"].lower(),
            "waiting": lambda q: q["waiting"],
            # How long the longest-waiting one has waited (nobody waiting: 0).
            "longest_wait": lambda q: (now - (longest.get(q["id"]) or now)).total_seconds(),
        },
    )

    # Owners named on the board include agents filtered out of the agents' list.
    owner_ids = {r["owner_id"] for r in mine if r["owner_id"] and r["owner_id"] not in names}
    owners = dict(names)
    if owner_ids:
        owners.update({u.pk: user_name(u) for u in User.objects.filter(pk__in=owner_ids)})

    work: dict[int, list[payloads.BoardInteraction]] = defaultdict(list)
    for row in mine:
        if row["owner_id"] in agent_ids and row["state"] == Interaction.State.ACTIVE:
            work[row["owner_id"]].append(_board_interaction(row, owners))

    agent_rows: list[payloads.BoardAgent] = [
        {
            "id": p.user_id,
            "name": names[p.user_id],
            "username": p.user.get_username(),
            "group_id": p.group_id,
            "group": p.group.name if p.group else "",
            "status": statuses[p.user_id],
            "is_ready": p.is_ready,
            "not_ready_reason": "" if p.is_ready else p.not_ready_reason,
            "not_ready_note": p.not_ready_note
            if p.not_ready_reason == "supervisor" and not p.is_ready
            else "",
            "state_since": iso(p.ready_changed_at),
            "load": p.load,
            "capacity": p.capacity,
            "queue_ids": queue_ids_of[p.user_id],
            "interactions": sorted(work.get(p.user_id, []), key=lambda i: i["id"]),
        }
        for p in agents
    ]
    agent_rows = _sorted(
        agent_rows,
        filters.agent_sort,
        {
            "name": lambda a: (a["name"].lower(), a["id"]),
            "status": lambda a: (_STATUS_ORDER[a["status"]], a["name"].lower()),
            "state_since": lambda a: a["state_since"] or iso(far),
            "load": lambda a: (a["load"], a["name"].lower()),
        },
    )

    pending = [r for r in mine if r["awaiting_reply_since"] is not None]
    pending.sort(key=lambda r: (r["awaiting_reply_since"], r["id"]))
    closing = [r for r in mine if r["window_expires_at"] is not None and r["window_expires_at"] > now]
    closing.sort(key=lambda r: (r["window_expires_at"], r["id"]))

    offers = Offer.objects.filter(state=Offer.State.PENDING).select_related(
        "interaction__contact", "interaction__queue", "agent"
    )
    if filters.channel_id:
        offers = offers.filter(interaction__channel_id=filters.channel_id)
    if filters.queue_id:
        offers = offers.filter(interaction__queue_id=filters.queue_id)
    if filters.group_id:
        offers = offers.filter(Q(agent__agent_profile__group_id=filters.group_id))
    offer_rows: list[payloads.BoardOffer] = [
        {
            "id": offer.pk,
            "interaction_id": offer.interaction_id,
            "contact": offer.interaction.contact.display_name,
            "queue": offer.interaction.queue.name if offer.interaction.queue else "",
            "agent_id": offer.agent_id,
            "agent": user_name(offer.agent),
            "due_at": offer.due_at.isoformat(),
        }
        for offer in offers.order_by("due_at", "id")[:BOARD_RISK_LIMIT]
    ]

    return {
        "generated_at": now.isoformat(),
        "today_since": since.isoformat(),
        "filters": filters.echo(),
        "queues": queue_rows,
        "agents": agent_rows,
        "at_risk": {
            "reply_pending": [_board_interaction(r, owners) for r in pending[:BOARD_RISK_LIMIT]],
            "window_closing": [_board_interaction(r, owners) for r in closing[:BOARD_RISK_LIMIT]],
            "offers_expiring": offer_rows,
        },
        "numbers": board_numbers(channel_id=filters.channel_id),
        "flow_errors": board_flow_errors(since=since, channel_id=filters.channel_id),
    }


#: Worst first on the board.
_QUALITY_ORDER = {"RED": 0, "YELLOW": 1}


def board_numbers(*, channel_id: int | None = None) -> list[payloads.BoardNumber]:
    """G5: the active numbers whose quality is YELLOW or RED, or dropped (flagged) and not
    back to GREEN, worst first (one query). A new number (UNKNOWN) is no drop."""
    channels = Channel.objects.filter(is_active=True).filter(
        Q(quality_rating__in=_QUALITY_ORDER) | Q(quality_dropped_at__isnull=False)
    )
    if channel_id:
        channels = channels.filter(pk=channel_id)
    rows: list[payloads.BoardNumber] = [
        {
            "id": c.pk,
            "name": c.name,
            "display_phone_number": c.display_phone_number,
            "quality_rating": c.quality_rating,
            "messaging_limit": c.messaging_limit,
            "quality_dropped_at": iso(c.quality_dropped_at),
        }
        for c in channels.only(
            "id", "name", "display_phone_number", "quality_rating", "messaging_limit", "quality_dropped_at"
        )
    ]
    rows.sort(key=lambda n: (_QUALITY_ORDER.get(n["quality_rating"], 2), n["name"].lower(), n["id"]))
    return rows


#: A flow that breaks on every conversation is one line however many it broke: the rows
#: read to count them are bounded.
FLOW_ERRORS_READ = 500


def board_flow_errors(*, since: datetime, channel_id: int | None = None) -> list[payloads.BoardFlowError]:
    """B1: the entry flows that sent conversations to the default queue by an error since
    ``since``, latest first (one query through the sessions' error index)."""
    sessions = FlowSession.objects.filter(outcome=FlowSession.Outcome.ERROR, ended_at__gte=since)
    if channel_id:
        sessions = sessions.filter(flow__channel_id=channel_id)
    rows: dict[int, payloads.BoardFlowError] = {}
    for flow_id, name, flow_channel_id, error, ended_at in sessions.order_by("-ended_at").values_list(
        "flow_id", "flow__name", "flow__channel_id", "error", "ended_at"
    )[:FLOW_ERRORS_READ]:
        row = rows.get(flow_id)
        if row is None:
            rows[flow_id] = {
                "flow_id": flow_id,
                "flow": name,
                "channel_id": flow_channel_id,
                "errors_today": 1,
                "last_error": error,
                "last_at": iso(ended_at) or "",
            }
        else:
            row["errors_today"] += 1
    return list(rows.values())


def board_choices() -> dict[str, list[payloads.NamedRow]]:
    """What the board's filters offer: queues, agent groups, numbers (three queries)."""
    return {
        "queues": [{"id": q, "name": n} for q, n in Queue.objects.order_by("name").values_list("id", "name")],
        "groups": [
            {"id": g, "name": n} for g, n in AgentGroup.objects.order_by("name").values_list("id", "name")
        ],
        "channels": [
            {"id": c, "name": n} for c, n in Channel.objects.order_by("name", "id").values_list("id", "name")
        ],
    }


def queue_waiting_counts() -> dict[int, int]:
    """Interactions waiting now, per queue (one query through the waiting index): what
    each live board update carries for the agents' consoles."""
    return dict(
        Interaction.objects.filter(state=Interaction.State.QUEUED, queue__isnull=False)
        .values_list("queue_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def agent_queues(*, user: User) -> list[tuple[int, str]]:
    """The queues the agent works in, (id, name) by name (empty for a non-agent)."""
    return list(Queue.objects.filter(agents__user=user).order_by("name").values_list("id", "name"))


def queue_waiting_for_agent(*, user: User) -> list[payloads.QueueWaiting]:
    """S1 for agents: how many interactions wait in each of their own queues (three
    queries: who they are, their queues, the counts)."""
    ensure_agent(user)
    queues = agent_queues(user=user)
    if not queues:
        return []
    counts = dict(
        Interaction.objects.filter(state=Interaction.State.QUEUED, queue_id__in=[q for q, _ in queues])
        .values_list("queue_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [{"id": q, "name": name, "waiting": counts.get(q, 0)} for q, name in queues]


__all__ = [
    "AGENT_SORTS",
    "BOARD_RISK_LIMIT",
    "QUEUE_SORTS",
    "BoardFilters",
    "agent_queues",
    "board_filters",
    "board_snapshot",
    "queue_waiting_counts",
    "queue_waiting_for_agent",
    "supervisor_board",
    "today_start",
]
