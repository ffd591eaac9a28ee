"""Who may do what, beyond owning an interaction (P6).

Each rule is one function, called by the service that enforces it and by
:func:`interaction_actions`, which tells the console what its viewer may do with an
interaction: the server decides, the console shows (DESIGN invariant 8).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.utils.translation import gettext as _

from conversations.exceptions import Conflict, PermissionDenied
from conversations.models import AgentProfile, BusinessAttribute, Interaction, InteractionParticipant, Queue
from conversations.options import get_option

#: Supervisors see and act on every interaction. Staff status alone only opens the admin:
#: content managers have it, and must not read transcripts or write to customers.
SUPERVISE = "conversations.supervise_interactions"
#: The contact directory (O3, R8): every contact's details and history. Without it an
#: agent sees only the contacts of the interactions they may see.
BROWSE_DIRECTORY = "conversations.browse_contact_directory"

CONFERENCE = "conference"
CONSULTATION = "consultation"

#: What the console may offer on an interaction, in the order it is listed (docs/console-protocol.md).
ACTIONS = (
    "reply",  # write to the customer: text, files, emoji, location (message_send)
    "react",  # U1 react to a customer's message, inside the 24-hour window (react_to_message)
    "send_template",  # a notification or an interactive message (message_send)
    "mark_read",  # blue ticks for the customer's messages (interactions/{id}/read/)
    "note",  # add a note (interaction_note_add)
    "edit_contact",  # the contact's name, e-mail, phone (contact_update)
    "case_data",  # edit the case information (interaction_case_data_update)
    "done",  # R3 (interaction_done)
    "transfer",  # R4 (interaction_transfer)
    "conference",  # R5 invite (conference_invite)
    "consult",  # R6 start a consultation (consultation_start)
    "park",  # R7 move to a workbin (interaction_park)
    "assign_contact",  # R8 a known contact (interaction_contact_assign)
    "leave_conference",  # R5 (conference_leave)
    "consultation",  # R6 write in the consultation going on (consultation_send)
    "end_consultation",  # R6 end it for everyone (consultation_end)
    "leave_consultation",  # R6 a consulted agent leaves it (consultation_end)
)

#: S2: a supervisor's interventions the console may offer on an interaction, in order
#: (``conversations.services.supervision`` enforces each; docs/console-protocol.md).
INTERVENTIONS = (
    "barge_in",  # join as a conference participant (interaction_barge_in)
    "take_over",  # make it theirs (interaction_take_over)
    "move",  # to a queue or a workbin, recorded as the supervisor's (interaction_move)
)


def user_is_supervisor(user: User | AnonymousUser) -> bool:
    """Superusers, and staff users given "Can supervise every WhatsApp interaction" (directly
    or through a group such as "Supervisors"). Agents are not staff: answering for them
    costs no query, which matters on every console request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or (user.is_staff and user.has_perm(SUPERVISE)))


def user_can_browse_directory(user: User | AnonymousUser) -> bool:
    """Supervisors, and users given "Can browse the contact directory" (the demo's
    "Agents" group has it)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user_is_supervisor(user) or user.has_perm(BROWSE_DIRECTORY)


def user_is_agent(user: User | AnonymousUser) -> bool:
    """Agents are the users with an agent profile (given in the admin, or by ``seed_demo``):
    that, not staff status nor a group name, is what routing, transfers and the console
    count on. Nobody becomes an agent by opening the console: a content manager stays one."""
    if user is None or not getattr(user, "is_authenticated", False) or not isinstance(user, User):
        return False
    return AgentProfile.objects.filter(user=user).exists()


def signed_out_by_supervisor(user: User | AnonymousUser, profile: AgentProfile | None) -> bool:
    """S2: a supervisor signed the agent out after they logged in: this login opens no
    console any more (they log in again)."""
    if profile is None or profile.signed_out_at is None:
        return False
    last_login = getattr(user, "last_login", None)
    return last_login is None or last_login < profile.signed_out_at


def ensure_agent(user: User | AnonymousUser) -> None:
    """The console and the agent API are for agents, and supervisors (P6): refuse anyone
    else (a content manager keeps templates and standard responses in the admin)."""
    if not (user_is_agent(user) or user_is_supervisor(user)):
        raise PermissionDenied(
            _("only agents (users with an agent profile) and supervisors use the agent console and its API"),
            code="not_an_agent",
        )


#: The business attribute that switches conferences on (the source product's switch, R5).
CONFERENCE_ATTRIBUTE = "InternalConferenceInvite"


def conferences_enabled() -> bool:
    """R5 conferences are on: the business attribute, or a value of that name in any
    attribute (one query: the console asks with every interaction it opens)."""
    return BusinessAttribute.objects.filter(
        Q(name=CONFERENCE_ATTRIBUTE) | Q(values__name=CONFERENCE_ATTRIBUTE)
    ).exists()


#: The option naming the routing queue through which an agent reaches an agent group or a
#: skill: transfers (R4, and to a queue) and conference invitations "via the Skill or Group
#: option" (R5b). Unset, or naming no queue, neither is possible.
ROUTING_QUEUE_OPTION = "intercommunication.whatsappsession.queue"


def _routing_queue_named(user: User | AnonymousUser) -> tuple[str, Queue | None]:
    """The queue name ``ROUTING_QUEUE_OPTION`` holds for ``user`` (the option may differ per
    agent or group) and that queue, None when the name is empty or names none."""
    name = get_option(ROUTING_QUEUE_OPTION, agent_id=user.pk)
    return name, (Queue.objects.filter(name=name).first() if name else None)


def routing_queue(user: User | AnonymousUser) -> Queue | None:
    """The queue ``ROUTING_QUEUE_OPTION`` names for ``user``, or None when it is unset or
    names no queue (no query when unset)."""
    return _routing_queue_named(user)[1]


def ensure_routing_queue(user: User | AnonymousUser, *, needs: str, code: str) -> Queue:
    """The routing queue for ``user``, or a Conflict ``code`` naming the option: ``needs``
    says what needs it (e.g. "transfers to an agent group, a skill or a queue"), in the
    request's language like the refusal."""
    name, queue = _routing_queue_named(user)
    if not name:
        raise Conflict(
            _("%(needs)s need the option %(option)s") % {"needs": needs, "option": ROUTING_QUEUE_OPTION},
            code=code,
        )
    if queue is None:
        raise Conflict(
            _(
                "%(needs)s need the option %(option)s to name a queue; the queue %(queue)s it names does not exist"
            )
            % {"needs": needs, "option": ROUTING_QUEUE_OPTION, "queue": repr(name)},
            code=code,
        )
    return queue


def is_owner_or_supervisor(user: User | AnonymousUser, interaction: Interaction) -> bool:
    """The interaction's owner, or a supervisor: who may take the owner's actions."""
    return interaction.owner_id == user.pk or user_is_supervisor(user)


def joined_participants(interaction_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Who joined each interaction, as (agent id, kind): one query for any number of them."""
    P = InteractionParticipant
    joined: dict[int, list[tuple[int, str]]] = {pk: [] for pk in interaction_ids}
    rows = P.objects.filter(interaction_id__in=list(joined), state=P.State.JOINED).values_list(
        "interaction_id", "agent_id", "kind"
    )
    for interaction_id, agent_id, kind in rows:
        joined[interaction_id].append((agent_id, kind))
    return joined


def user_can_write(
    *, user: User | AnonymousUser, interaction: Interaction, guest_ids: Collection[int] | None = None
) -> bool:
    """The owner and agents in a conference on it write; supervisors may write into any.
    ``guest_ids``: the agents who joined its conference, when already read."""
    if user_is_supervisor(user) or interaction.owner_id == user.pk:
        return True
    if guest_ids is not None:
        return user.pk in guest_ids
    if not isinstance(user, User):  # nobody signed in joins a conference
        return False
    P = InteractionParticipant
    return P.objects.filter(
        interaction=interaction, agent=user, kind=P.Kind.CONFERENCE, state=P.State.JOINED
    ).exists()


def can_edit_contact(user: User | AnonymousUser, contact_id: int) -> bool:
    """W11: supervisors, and the agents writing in one of the contact's open conversations,
    edit what the contact database holds about the customer."""
    if user_is_supervisor(user):
        return True
    open_ones = Interaction.objects.filter(contact_id=contact_id, state__in=Interaction.OPEN_STATES)
    return any(user_can_write(user=user, interaction=i) for i in open_ones)


def may_leave_conference(
    user: User | AnonymousUser, interaction: Interaction, *, guest_ids: Collection[int]
) -> bool:
    """A conference guest leaves; the owner leaves only to someone who stays."""
    return user.pk in guest_ids or (interaction.owner_id == user.pk and bool(guest_ids))


def may_write_consultation(
    user: User | AnonymousUser, interaction: Interaction, *, consultant_ids: Collection[int]
) -> bool:
    """The owner and the agents consulted about the interaction write in its consultation."""
    return interaction.owner_id == user.pk or user.pk in consultant_ids


def viewer_part(
    user: User | AnonymousUser, interaction: Interaction, *, joined: list[tuple[int, str]]
) -> str:
    """The viewer's part in the interaction, for the console's labels only ("owner",
    "conference", "consultation", "supervisor", or "" for someone who only sees it):
    what they may do is :func:`interaction_actions`."""
    if interaction.owner_id == user.pk:
        return "owner"
    kinds = {kind for agent_id, kind in joined if agent_id == user.pk}
    for kind in (CONFERENCE, CONSULTATION):
        if kind in kinds:
            return kind
    return "supervisor" if user_is_supervisor(user) else ""


def interaction_actions(
    user: User | AnonymousUser,
    interaction: Interaction,
    *,
    joined: list[tuple[int, str]] | None = None,
    conferences: bool | None = None,
) -> list[str]:
    """What ``user`` may do with ``interaction`` now, by the rules the services enforce.

    ``joined``: its joined participants as (agent id, kind), when already read;
    ``conferences``: whether conferences are enabled, when already known.
    """
    if joined is None:
        joined = joined_participants([interaction.pk])[interaction.pk]
    guests = {agent_id for agent_id, kind in joined if kind == CONFERENCE}
    consultants = {agent_id for agent_id, kind in joined if kind == CONSULTATION}
    in_charge = is_owner_or_supervisor(user, interaction)
    writes = user_can_write(user=user, interaction=interaction, guest_ids=guests)
    is_open = interaction.state in Interaction.OPEN_STATES
    active = interaction.state == Interaction.State.ACTIVE
    if conferences is None and in_charge and active:
        conferences = conferences_enabled()
    consulting = bool(consultants)
    allowed = {
        "reply": writes and is_open,
        # The window is not asked here: it opens and closes by itself, and the console
        # reads it from window_expires_at, which every frame keeps current.
        "react": writes and is_open,
        "send_template": writes and is_open,
        "mark_read": writes,
        "note": writes,
        "edit_contact": (writes and is_open) or can_edit_contact(user, interaction.contact_id),
        "case_data": in_charge and is_open,
        "done": in_charge and is_open,
        "transfer": in_charge and active,
        "conference": in_charge and active and bool(conferences),
        "consult": in_charge and active,
        "park": in_charge and active,
        "assign_contact": in_charge,
        "leave_conference": may_leave_conference(user, interaction, guest_ids=guests),
        "consultation": consulting and may_write_consultation(user, interaction, consultant_ids=consultants),
        "end_consultation": consulting and in_charge,
        "leave_consultation": not in_charge and user.pk in consultants,
    }
    return [name for name in ACTIONS if allowed[name]]


def interaction_interventions(
    user: User | AnonymousUser, interaction: Interaction, *, joined: list[tuple[int, str]]
) -> list[str]:
    """S2: which interventions a supervisor may make on ``interaction`` now, by the rules
    ``conversations.services.supervision`` enforces (none for anyone else, nor on their own
    conversation): barge in while it is in progress and they are not in it yet, take it over
    while it is open and not in a workbin, move it while it is in progress."""
    if not user_is_supervisor(user) or interaction.owner_id == user.pk:
        return []
    active = interaction.state == Interaction.State.ACTIVE
    in_conference = (user.pk, CONFERENCE) in joined
    allowed = {
        "barge_in": active and not in_conference,
        "take_over": interaction.state in Interaction.OPEN_STATES
        and interaction.state != Interaction.State.PARKED,
        "move": active,
    }
    return [name for name in INTERVENTIONS if allowed[name]]
