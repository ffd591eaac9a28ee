"""Supervision: the live board (S1) and a supervisor's interventions (S2)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import ID_SCHEMA, BodySerializer, CharField, IdField
from conversations.api.schema import CONFLICT, body, exactly_one_of
from conversations.selectors.board import AGENT_SORTS, QUEUE_SORTS
from conversations.services import supervision
from waproject.requests import SignedInRequest


def _sorts(keys: tuple[str, ...]) -> list[str]:
    return [*keys, *(f"-{k}" for k in keys)]


class SupervisorBoardApi(APIView):
    """S1: queues, agents and interactions at risk, narrowed by queue, agent group and
    channel; the console receives the same shape live (``board`` frames). Supervisors only."""

    @extend_schema(
        parameters=[
            OpenApiParameter("queue_id", ID_SCHEMA),
            OpenApiParameter("group_id", ID_SCHEMA),
            OpenApiParameter("channel_id", ID_SCHEMA),
            OpenApiParameter("agent_sort", str, enum=_sorts(AGENT_SORTS)),
            OpenApiParameter("queue_sort", str, enum=_sorts(QUEUE_SORTS)),
        ],
        responses=body(payloads.Board),
    )
    def get(self, request: SignedInRequest) -> Response:
        selectors.ensure_supervisor(request.user)  # refused before the filters are read
        filters = selectors.board_filters(request.query_params)  # a QueryDict: a repeat is refused
        return Response(selectors.supervisor_board(user=request.user, filters=filters))


class AgentQueuesApi(APIView):
    """S1 for agents: how many interactions wait in each of the caller's queues."""

    @extend_schema(responses=body(list[payloads.QueueWaiting]))
    def get(self, request: SignedInRequest) -> Response:
        return Response(selectors.queue_waiting_for_agent(user=request.user))


# --- S2: interventions ---------------------------------------------------------------------------


class InteractionMonitorApi(APIView):
    """Monitor an open interaction silently: INTERACTION, read-only (no actions). The agent
    is told when the option ``whatsappsession.supervisor-monitor-notify-agent`` says so."""

    @extend_schema(request=None, responses={200: body(payloads.InteractionDetail), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        interaction = supervision.interaction_monitor(user=request.user, interaction_id=pk)
        return Response(selectors.interaction_monitor_detail(interaction, user=request.user))


class InteractionBargeInApi(APIView):
    """Join an interaction in progress as a conference participant (it opens in the
    supervisor's console)."""

    @extend_schema(request=None, responses={200: body(payloads.InteractionSummary), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        participant = supervision.interaction_barge_in(user=request.user, interaction_id=pk)
        return Response(selectors.interaction_summary(participant.interaction, user=request.user))


class InteractionTakeOverApi(APIView):
    """Make an open interaction (in progress, waiting or offered) the supervisor's own."""

    @extend_schema(request=None, responses={200: body(payloads.InteractionSummary), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        interaction = supervision.interaction_take_over(user=request.user, interaction_id=pk)
        return Response(selectors.interaction_summary(interaction, user=request.user))


class InteractionMoveApi(APIView):
    """Transfer an interaction in progress to an agent, agent group, skill or queue, or
    move it to a workbin: the agents' transfer and park, recorded as the supervisor's."""

    class InputSerializer(BodySerializer):
        json_schema_extra = exactly_one_of("agent_id", "group_id", "skill_id", "queue_id", "workbin_id")

        agent_id = IdField(required=False)
        group_id = IdField(required=False)
        skill_id = IdField(required=False)
        queue_id = IdField(required=False)
        workbin_id = IdField(required=False)

    @extend_schema(request=InputSerializer, responses={200: body(payloads.InteractionSummary), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interaction = supervision.interaction_move(
            user=request.user, interaction_id=pk, **data.validated_data
        )
        return Response(selectors.interaction_summary(interaction, user=request.user))


class AgentNotReadyApi(APIView):
    """Set an agent Not Ready, with a reason their console shows."""

    class InputSerializer(BodySerializer):
        reason = CharField(required=False, allow_blank=True, max_length=supervision.NOT_READY_NOTE_MAX)

    @extend_schema(request=InputSerializer, responses=body(payloads.Agent))
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = supervision.agent_set_not_ready(
            user=request.user, agent_id=pk, note=data.validated_data.get("reason", "")
        )
        return Response(payloads.agent_payload(profile))


class AgentSignOutApi(APIView):
    """Sign an agent out as their logout does (Not Ready, work to their personal workbin,
    their consoles closed)."""

    @extend_schema(request=None, responses=body(payloads.Agent))
    def post(self, request: SignedInRequest, pk: int) -> Response:
        profile = supervision.agent_sign_out(user=request.user, agent_id=pk)
        return Response(payloads.agent_payload(profile))
