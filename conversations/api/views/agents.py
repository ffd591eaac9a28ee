"""The agent: their snapshot and Ready state, offers (R2), transfers (R4)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import QUERY_TEXT_SCHEMA, BodySerializer, BooleanField, IdField, query_text
from conversations.api.schema import CONFLICT, body, exactly_one_of, shape
from conversations.middleware import SESSION_KEY as PROFILE_LANGUAGE
from conversations.services import routing
from conversations.services.capacity import agent_language_set, agent_profile_for
from conversations.services.transfer import interaction_transfer
from waproject.requests import SignedInRequest


class AgentMeApi(APIView):
    """The caller's agent state, options, pending offers and open interactions."""

    @extend_schema(responses=body(payloads.AgentSnapshot))
    def get(self, request: SignedInRequest) -> Response:
        profile = agent_profile_for(request.user)  # a supervisor gets one on first use
        return Response(selectors.agent_snapshot(user=request.user, profile=profile))


class AgentStateApi(APIView):
    """Ready / Not Ready for WhatsApp."""

    class InputSerializer(BodySerializer):
        ready = BooleanField()

    @extend_schema(request=InputSerializer, responses=body(payloads.Agent))
    def post(self, request: SignedInRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = routing.agent_set_ready(user=request.user, ready=data.validated_data["ready"])
        profile.refresh_from_db()
        return Response(payloads.agent_payload(profile))


class AgentLanguageApi(APIView):
    """U4: the language of the caller's console ("" follows the browser's); the console
    reloads in it."""

    class InputSerializer(BodySerializer):
        language = serializers.CharField(allow_blank=True, max_length=10, trim_whitespace=True)

    @extend_schema(
        request=InputSerializer, responses=shape("the chosen language", language={"type": "string"})
    )
    def post(self, request: SignedInRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = agent_language_set(user=request.user, language=data.validated_data["language"].lower())
        request.session[PROFILE_LANGUAGE] = profile.language  # this session's API requests follow at once
        return Response({"language": profile.language})


class OfferAcceptApi(APIView):
    @extend_schema(responses={200: body(payloads.InteractionSummary), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        interaction = routing.offer_accept(user=request.user, offer_id=pk)
        return Response(selectors.interaction_summary(interaction, user=request.user))


class OfferRejectApi(APIView):
    @extend_schema(responses={200: shape("rejected"), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        routing.offer_reject(user=request.user, offer_id=pk)
        return Response({})


class InteractionTransferApi(APIView):
    """R4 instant transfer to an agent, an agent group, a skill or a queue."""

    class InputSerializer(BodySerializer):
        json_schema_extra = exactly_one_of("agent_id", "group_id", "skill_id", "queue_id")

        agent_id = IdField(required=False)
        group_id = IdField(required=False)
        skill_id = IdField(required=False)
        queue_id = IdField(required=False)

    @extend_schema(request=InputSerializer, responses={200: body(payloads.InteractionSummary), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interaction = interaction_transfer(user=request.user, interaction_id=pk, **data.validated_data)
        return Response(selectors.interaction_summary(interaction, user=request.user))


class TransferTargetsApi(APIView):
    """R4 target search by name: agents (with availability), groups, skills, queues."""

    @extend_schema(
        parameters=[OpenApiParameter("search", QUERY_TEXT_SCHEMA)], responses=body(payloads.TransferTargets)
    )
    def get(self, request: SignedInRequest) -> Response:
        return Response(selectors.transfer_targets(user=request.user, search=query_text(request, "search")))
