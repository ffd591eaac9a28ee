"""Running entry flows (B1): take a new interaction, answer its customer's messages step by
step, end it in a queue (or a workbin) by choice, by timeout, on request or on error.

While a flow runs, the interaction is ``active`` and owned by the flows' user (as an
external bot owns its interactions, B4): routing never offers it, no agent's console shows
it, and the existing services apply. The flow's messages are queued by the outbound
service like an agent's, marked ``automated``: the agent who takes the interaction sees
the whole automated part in its transcript.

Precedence: an external bot that owns the number or queue takes a new interaction first
(an integrator's explicit choice); a number's flow takes the rest.

Idempotency: the flow consumes only messages the inbound service has just inserted (a
redelivered wamid is never inserted again), and it records the id of the newest message it
consumed (``FlowSession.last_message_id``): a message at or below it never advances a step.

Errors (a queue deleted since, a template not approved, a message WhatsApp would refuse)
never strand the customer: the interaction goes to the default queue, the session records
the error, and the audit log tells the supervisors (``flow.error``, ``flows.notices``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from conversations import events
from conversations.exceptions import DomainError
from conversations.models import AgentProfile, Interaction, Message, Queue, Skill
from conversations.services.access import interaction_locked
from conversations.services.interactions import interaction_owner_changed
from conversations.services.outbound import message_queue
from conversations.services.routing import interaction_requeue
from conversations.services.specs import OutboundSpec
from conversations.windows import reply_window_is_open
from flows import jobs, rules, selectors
from flows.models import Flow, FlowChoice, FlowSession, FlowStep
from templates_app.services import template_message_spec
from waproject.embedded import enqueue_on_commit
from workbins.models import Workbin, WorkbinItem

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100
#: Steps entered without waiting for an answer, at most (the admin refuses loops; this
#: is the engine's own guard).
MAX_HOPS = 50
HANDOFF_ID = "flow-handoff"
CHOICE_ID_PREFIX = "flow-choice-"


class FlowError(Exception):
    """The flow cannot go on as configured (the message says why, for the supervisors)."""


def flow_user() -> User:
    """The user that owns interactions while their flow runs and authors its messages
    (never signs in)."""
    user, created = User.objects.get_or_create(
        username=selectors.FLOW_USERNAME, defaults={"first_name": "Entry flow", "is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        selectors.invalidate()
    return user


def flow_take_over(*, interaction: Interaction, now: datetime) -> bool:
    """A new interaction (call in the transaction that opened it): if its number runs a
    flow, the flow owns it and it is not routed; True if so. The customer's message,
    stored next, starts the flow (:func:`flow_customer_messages`)."""
    flow_id = selectors.flow_for_channel(interaction.channel_id)
    if flow_id is None:
        return False
    user = flow_user()
    Interaction.objects.filter(pk=interaction.pk, state=Interaction.State.QUEUED).update(
        state=Interaction.State.ACTIVE, owner_id=user.pk, accepted_at=now
    )
    interaction.state, interaction.owner_id, interaction.accepted_at = Interaction.State.ACTIVE, user.pk, now
    FlowSession.objects.create(interaction=interaction, flow_id=flow_id, started_at=now)
    if not selectors.is_flow_user(user.pk):
        selectors.invalidate()  # the user was created in another process meanwhile
    return True


def flow_customer_messages(*, owner_id: int | None, messages: Sequence[Message]) -> None:
    """Customer messages the inbound service has just stored (inside its transaction):
    when a flow owns their interaction, they start it or answer its current step. No
    query unless the interaction's owner is the flows' user."""
    if not messages or not selectors.is_flow_user(owner_id):
        return
    inbound = sorted(
        (m for m in messages if m.direction == Message.Direction.INBOUND and m.type != "system"),
        key=lambda m: m.pk,
    )
    if not inbound:
        return
    session = (
        FlowSession.objects.select_for_update(of=("self",))
        .select_related("flow", "step")
        .filter(interaction_id=inbound[0].interaction_id, ended_at__isnull=True)
        .first()
    )
    if session is None:
        return
    for message in inbound:
        if session.ended_at is not None:
            return
        if message.pk <= session.last_message_id:
            continue  # consumed already: a redelivery never advances the flow twice
        first = session.last_message_id == 0
        session.last_message_id = message.pk
        session.save(update_fields=["last_message_id"])
        _run(session, functools.partial(_on_message, message=message, first=first))


def flow_timeouts_due(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Steps left unanswered past the flow's timeout: the flow ends, the interaction goes
    to the timeout queue. Sessions of interactions that left the flow otherwise (a
    supervisor closed or transferred it) just end."""
    due = list(
        FlowSession.objects.filter(ended_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", "interaction_id")[:limit]
    )
    ended = 0
    for session_id, interaction_id in due:
        with transaction.atomic():
            # The webhook's order (the interaction, then its session): no deadlock with it.
            interaction_locked(interaction_id)
            session = (
                FlowSession.objects.select_for_update(of=("self",))
                .select_related("flow", "step")
                .filter(pk=session_id, ended_at__isnull=True)
                .first()
            )
            if session is None or session.due_at is None or session.due_at > now:
                continue  # answered meanwhile
            _run(session, _on_timeout)
            ended += 1
    return ended


# --- one run of the engine ---------------------------------------------------------------


@dataclass
class _Run:
    session: FlowSession
    interaction: Interaction
    flow: Flow
    user: User
    now: datetime
    template_sent: bool = False


def _run(session: FlowSession, action: Callable[[_Run], None]) -> None:
    """Run ``action`` on the session's interaction in a savepoint; on a flow error the
    savepoint is undone and the interaction goes to the default queue, supervisors told."""
    interaction = interaction_locked(session.interaction_id, related=("channel", "contact"))
    user = flow_user()
    if interaction.state != Interaction.State.ACTIVE or interaction.owner_id != user.pk:
        _end(session, outcome=FlowSession.Outcome.CLOSED, now=timezone.now())
        return
    run = _Run(session=session, interaction=interaction, flow=session.flow, user=user, now=timezone.now())
    try:
        with transaction.atomic():
            action(run)
    except (FlowError, DomainError) as exc:
        _fail(session, str(exc))
    except Exception as exc:  # a bug here must not lose the customer's message
        # Raising would roll back the webhook's transaction, the message with it: the step is
        # undone instead, and the customer goes to the default queue like on any flow error.
        logger.exception("entry flow %s broke on interaction %s", session.flow_id, session.interaction_id)
        _fail(session, f"unexpected error: {type(exc).__name__}: {exc}")


def _on_message(run: _Run, *, message: Message, first: bool) -> None:
    """The customer's first message starts the flow; a later one answers its step."""
    if _wants_a_person(run.flow, message):
        _route(run, queue=None, skill=None, outcome=FlowSession.Outcome.HANDOFF)
        return
    if first:
        _start(run)
        return
    step = run.session.step
    if step is None:
        raise FlowError("the step waiting for the customer's answer was deleted")
    if step.kind == FlowStep.Kind.MENU:
        choice = _choice_of(step, message)
        if choice is None:
            _invalid(run, step)
        else:
            _choose(run, choice)
    elif step.kind == FlowStep.Kind.QUESTION:
        answer = (message.body or "").strip()
        if _answer_valid(step, answer):
            run.session.answers = {**run.session.answers, step.case_field: answer}
            run.session.save(update_fields=["answers"])
            _enter(run, step.next_step)
        else:
            _invalid(run, step)
    else:  # the step changed kind since it was entered: go on from it
        _enter(run, step)


def _on_timeout(run: _Run) -> None:
    if run.flow.timeout_message:
        _send(run, run.flow.timeout_message)
    _route(run, queue=run.flow.timeout_queue, skill=None, outcome=FlowSession.Outcome.TIMED_OUT)


def _start(run: _Run) -> None:
    flow = run.flow
    if flow.greeting:
        _send(run, flow.greeting)
    if not flow_is_open(flow, run.now):
        if flow.out_of_hours_message:
            _send(run, flow.out_of_hours_message)
        if flow.out_of_hours_action == Flow.OutOfHours.WORKBIN:
            _park(run)
        else:
            _route(run, queue=flow.out_of_hours_queue, skill=None, outcome=FlowSession.Outcome.OUT_OF_HOURS)
        return
    _enter(run, flow.first_step)


def flow_is_open(flow: Flow, now: datetime) -> bool:
    """Inside the flow's business hours (none configured: always) and not on a holiday,
    in the flow's time zone."""
    local = now.astimezone(ZoneInfo(flow.time_zone))
    if flow.holidays.filter(date=local.date()).exists():
        return False
    hours = list(flow.hours.all())
    if not hours:
        return True
    moment = local.time().replace(tzinfo=None)
    return any(h.weekday == local.weekday() and h.opens <= moment < h.closes for h in hours)


def _enter(run: _Run, step: FlowStep | None) -> None:
    """Enter ``step`` and the steps after it that need no answer, up to one that waits."""
    for _ in range(MAX_HOPS):
        if step is None:
            _route(run, queue=None, skill=None, outcome=FlowSession.Outcome.ROUTED)
            return
        if step.kind == FlowStep.Kind.MESSAGE:
            _send(run, step.text)
            step = step.next_step
            continue
        if step.kind == FlowStep.Kind.ROUTE:
            if step.routes_to_queue and step.queue is None:
                raise FlowError(f"step {step.name!r} routes to a queue that no longer exists")
            _route(run, queue=step.queue, skill=step.skill, outcome=FlowSession.Outcome.ROUTED)
            return
        _ask(run, step)
        run.session.step = step
        run.session.attempts = 0
        run.session.due_at = run.now + timedelta(seconds=run.flow.step_timeout_seconds)
        run.session.save(update_fields=["step", "attempts", "due_at"])
        return
    raise FlowError(f"more than {MAX_HOPS} steps in a row without an answer: the flow loops")


def _ask(run: _Run, step: FlowStep) -> None:
    if step.kind == FlowStep.Kind.MENU:
        _send(run, step.text, interactive=_menu(run.flow, step))
    else:
        _send(run, step.text)


def _menu(flow: Flow, step: FlowStep) -> dict[str, object]:
    choices = list(step.choices.all())
    if step.menu_style == FlowStep.MenuStyle.LIST:
        rows: list[dict[str, str]] = [
            {"id": f"{CHOICE_ID_PREFIX}{c.pk}", "title": c.title, "description": c.description}
            for c in choices
        ]
        if flow.handoff_button:
            rows.append({"id": HANDOFF_ID, "title": flow.handoff_button, "description": ""})
        for row in rows:
            if not row["description"]:
                del row["description"]
        return {
            "type": "list",
            "button": step.list_button or "Choose",
            "sections": [{"title": "", "rows": rows}],
        }
    buttons = [{"id": f"{CHOICE_ID_PREFIX}{c.pk}", "title": c.title} for c in choices]
    if flow.handoff_button:
        buttons.append({"id": HANDOFF_ID, "title": flow.handoff_button})
    return {"type": "button", "buttons": buttons}


def _wants_a_person(flow: Flow, message: Message) -> bool:
    if (message.content or {}).get("id") == HANDOFF_ID:
        return True
    text = (message.body or "").strip().casefold()
    return bool(text) and text in flow.handoff_words()


def _choice_of(step: FlowStep, message: Message) -> FlowChoice | None:
    """The choice a reply picks: the tapped button or row, else its title typed, else its number."""
    choices = list(step.choices.all())
    reply_id = str((message.content or {}).get("id") or "")
    if reply_id.startswith(CHOICE_ID_PREFIX):
        picked = next((c for c in choices if f"{CHOICE_ID_PREFIX}{c.pk}" == reply_id), None)
        if picked is not None:
            return picked
    text = (message.body or "").strip().casefold()
    picked = next((c for c in choices if c.title.casefold() == text), None)
    if picked is None and text.isdigit() and 1 <= int(text) <= len(choices):
        picked = choices[int(text) - 1]
    return picked


def _answer_valid(step: FlowStep, answer: str) -> bool:
    if not answer or len(answer) > rules.ANSWER_MAX:
        return False
    if step.validation == FlowStep.Validation.PATTERN:
        if rules.pattern_problem(step.pattern):
            raise FlowError(
                f"step {step.name!r}: its pattern is refused ({rules.pattern_problem(step.pattern)})"
            )
        return rules.answer_matches(step.pattern, answer)
    if step.validation == FlowStep.Validation.LENGTH:
        return step.min_length <= len(answer) <= step.max_length
    if step.validation == FlowStep.Validation.CHOICE:
        return answer.casefold() in {a.casefold() for a in rules.split_answers(step.allowed_answers)}
    return True


def _invalid(run: _Run, step: FlowStep) -> None:
    """An answer the step cannot take: said clearly and asked again, up to its attempts."""
    run.session.attempts += 1
    if run.session.attempts >= step.max_attempts:
        run.session.save(update_fields=["attempts"])
        _route(run, queue=None, skill=None, outcome=FlowSession.Outcome.GAVE_UP)
        return
    if step.invalid_message:
        _send(run, step.invalid_message)
    _ask(run, step)
    run.session.due_at = run.now + timedelta(seconds=run.flow.step_timeout_seconds)
    run.session.save(update_fields=["attempts", "due_at"])


def _choose(run: _Run, choice: FlowChoice) -> None:
    if choice.case_field:
        run.session.answers = {**run.session.answers, choice.case_field: choice.case_value}
        run.session.save(update_fields=["answers"])
    if choice.next_step is not None:
        _enter(run, choice.next_step)
        return
    if choice.routes_to_queue and choice.queue is None:
        raise FlowError(f"choice {choice.title!r} routes to a queue that no longer exists")
    if choice.queue is None and choice.skill is None:
        raise FlowError(f"choice {choice.title!r} leads nowhere (its step, queue or skill was deleted)")
    _route(run, queue=choice.queue, skill=choice.skill, outcome=FlowSession.Outcome.ROUTED)


# --- leaving the flow --------------------------------------------------------------------


def _default_queue(flow: Flow, interaction: Interaction) -> Queue | None:
    return flow.default_queue or interaction.channel.default_queue


def _route(run: _Run, *, queue: Queue | None, skill: Skill | None, outcome: str) -> None:
    """The flow is done: the interaction goes to routing with the answers in its case data."""
    if outcome in (FlowSession.Outcome.HANDOFF, FlowSession.Outcome.ROUTED) and run.flow.handoff_message:
        _send(run, run.flow.handoff_message)
    _to_routing(
        run.interaction,
        run.session,
        queue=queue or _default_queue(run.flow, run.interaction),
        skill_id=skill.pk if skill is not None else None,
        outcome=outcome,
    )


def _to_routing(
    interaction: Interaction,
    session: FlowSession,
    *,
    queue: Queue | None,
    skill_id: int | None,
    outcome: str,
    error: str = "",
) -> None:
    now = timezone.now()
    interaction.case_data = {**(interaction.case_data or {}), **(session.answers or {})}
    interaction_requeue(interaction=interaction, queue=queue, skill_id=skill_id, now=now)
    _end(session, outcome=outcome, now=now, error=error)


def _park(run: _Run) -> None:
    """Out of hours, parked in the configured workbin (its members see it there)."""
    workbin = run.flow.out_of_hours_workbin
    if workbin is None:
        raise FlowError("the out-of-hours workbin no longer exists")
    interaction = run.interaction
    interaction.case_data = {**(interaction.case_data or {}), **(run.session.answers or {})}
    interaction.state = Interaction.State.PARKED
    interaction.owner = None
    interaction.save(update_fields=["state", "owner", "case_data", "updated_at"])
    interaction_owner_changed(interaction_id=interaction.pk)
    WorkbinItem.objects.create(interaction=interaction, workbin=workbin, placed_by=run.user)
    _end(run.session, outcome=FlowSession.Outcome.OUT_OF_HOURS, now=run.now)
    events.interaction_changed(interaction=interaction)
    if workbin.kind == Workbin.Kind.PERSONAL:
        members = [workbin.owner_id] if workbin.owner_id is not None else []
    else:
        members = list(
            AgentProfile.objects.filter(group_id=workbin.agent_group_id).values_list("user_id", flat=True)
        )
    events.workbin_changed(workbin_id=workbin.pk, user_ids=members)


def _end(session: FlowSession, *, outcome: str, now: datetime, error: str = "") -> None:
    session.ended_at, session.due_at, session.outcome, session.error = now, None, outcome, error[:500]
    session.save(update_fields=["ended_at", "due_at", "outcome", "error"])


def _fail(session: FlowSession, error: str) -> None:
    """The flow broke (its savepoint is undone): the customer goes to the default queue,
    never stranded; the session keeps the reason; the supervisors are told (audit log,
    ``flows.notices``)."""
    session.refresh_from_db()
    interaction = interaction_locked(session.interaction_id, related=("channel",))
    flow = session.flow
    logger.warning("entry flow %s failed on interaction %s: %s", flow.pk, interaction.pk, error)
    _to_routing(
        interaction,
        session,
        queue=_default_queue(flow, interaction),
        skill_id=None,
        outcome=FlowSession.Outcome.ERROR,
        error=error,
    )
    enqueue_on_commit(jobs.FLOW_ERROR_RECORD, session.pk)  # the supervisors are told (audit log)


# --- sending -----------------------------------------------------------------------------


def _send(run: _Run, text: str, *, interactive: dict[str, object] | None = None) -> None:
    """A flow's message, queued like an agent's and marked automated. Outside the window
    (or past the reply window, where WhatsApp takes only templates) only the flow's
    template goes out, once per run; without one, nothing."""
    interaction = run.interaction
    if not reply_window_is_open(interaction, now=run.now):
        template = run.flow.closed_window_template
        if template is None or run.template_sent:
            return
        spec = template_message_spec(
            user=run.user,
            channel=interaction.channel,
            template_id=template.pk,
            parameters=None,
            attachment_id=None,
        )
        run.template_sent = True
    elif interactive is not None:
        spec = OutboundSpec(type=Message.Type.INTERACTIVE, body=text, content={"interactive": interactive})
    else:
        spec = OutboundSpec(type=Message.Type.TEXT, body=text)
    try:
        message_queue(user=run.user, interaction=interaction, spec=spec, automated=True)
    except DomainError as exc:
        raise FlowError(f"a message could not be sent: {exc}") from exc
