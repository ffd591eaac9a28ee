"""BOARD (S1): the supervisors' live board, and QUEUE_WAITING, what an agent sees of their
queues. Times are ISO 8601 instants, never durations: the console counts "longest wait"
and "time in state" up from them every second, so the board need not be sent again just
because time passed."""

from __future__ import annotations

from typing import TypedDict


class BoardQueue(TypedDict):
    """One queue now and today (the day in the server's time zone, from midnight)."""

    id: int
    name: str
    #: Interactions waiting in the queue now (not offered to anyone yet).
    waiting: int
    #: When the longest-waiting one joined the queue (null: nobody waits).
    longest_waiting_since: str | None
    #: Offered to an agent now, waiting for their Accept.
    offered_now: int
    #: Entered the queue today (new work, transfers and work back from a workbin).
    offered_today: int
    #: Closed today without ever reaching an agent (nobody accepted it before it ended).
    abandoned_today: int
    #: Agents of the queue Ready with a free slot / Ready and at capacity / Not Ready.
    agents_ready: int
    agents_busy: int
    agents_not_ready: int


class BoardInteraction(TypedDict):
    """An interaction as the board lists it: enough to recognise it and act on it."""

    id: int
    state: str
    contact: str
    queue_id: int | None
    queue: str
    channel_id: int
    owner_id: int | None
    owner: str
    #: The customer's first unanswered message arrived then (null: nothing unanswered).
    awaiting_reply_since: str | None
    #: The 24-hour window closes then (null: no customer message yet).
    window_expires_at: str | None


class BoardAgent(TypedDict):
    """An agent: their state and why, since when, load against capacity, and their work."""

    id: int
    name: str
    username: str
    group_id: int | None
    group: str
    #: "ready" (Ready, a slot free), "busy" (Ready, at capacity), "not_ready", "signed_out".
    status: str
    is_ready: bool
    not_ready_reason: str
    #: What a supervisor wrote when setting them Not Ready (S2), else "".
    not_ready_note: str
    #: When the Ready state last changed (null: never set).
    state_since: str | None
    load: int
    capacity: int
    queue_ids: list[int]
    interactions: list[BoardInteraction]


class BoardOffer(TypedDict):
    """A pending offer, soonest to expire first."""

    id: int
    interaction_id: int
    contact: str
    queue: str
    agent_id: int
    agent: str
    due_at: str


class BoardRisks(TypedDict):
    """Interactions at risk, most urgent first (at most ``BOARD_RISK_LIMIT`` of each)."""

    #: Open interactions whose customer has waited longest for a reply.
    reply_pending: list[BoardInteraction]
    #: Open interactions whose 24-hour window closes soonest (still open now).
    window_closing: list[BoardInteraction]
    offers_expiring: list[BoardOffer]


class BoardFilterEcho(TypedDict):
    """The filters and sorting the board was read with (null: none)."""

    queue_id: int | None
    group_id: int | None
    channel_id: int | None
    agent_sort: str
    queue_sort: str


class BoardNumber(TypedDict):
    """G5: a number whose quality at Meta is not GREEN, or dropped (flagged): a RED number
    is close to having its messaging limit lowered."""

    id: int
    name: str
    display_phone_number: str
    #: GREEN, YELLOW, RED or UNKNOWN, as Meta last said ("" never read).
    quality_rating: str
    #: Business-initiated conversations per 24 h (e.g. TIER_2K; "" unknown).
    messaging_limit: str
    #: When the quality last dropped (null: Meta rated it so without a drop we saw).
    quality_dropped_at: str | None


class BoardFlowError(TypedDict):
    """B1: an entry flow that broke today (a deleted queue, a template not approved…): its
    customers went to the default queue; the supervisors mend the flow in the admin."""

    flow_id: int
    flow: str
    channel_id: int
    #: Conversations it sent to the default queue by an error since midnight.
    errors_today: int
    #: The latest error's reason, as the flow session keeps it.
    last_error: str
    last_at: str


class Board(TypedDict):
    """BOARD: queues, agents, interactions at risk and numbers whose quality dropped, as of
    ``generated_at``."""

    generated_at: str
    #: Midnight of today in the server's time zone: where "today" counts from.
    today_since: str
    filters: BoardFilterEcho
    queues: list[BoardQueue]
    agents: list[BoardAgent]
    at_risk: BoardRisks
    #: G5: numbers whose quality is YELLOW or RED or dropped, worst first.
    numbers: list[BoardNumber]
    #: B1: entry flows that broke today, latest first.
    flow_errors: list[BoardFlowError]


class QueueWaiting(TypedDict):
    """QUEUE_WAITING: how many interactions wait in one of the agent's queues."""

    id: int
    name: str
    waiting: int
