"""Two agents on one interaction: conference (R5) and consultation (R6)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import CharField, IdField
from conversations.api.schema import CONFLICT, INT, TEXT, body, schema_of, shape
from conversations.limits import CONSULTATION_MESSAGE_MAX
from conversations.services import collaboration


class ConferenceInviteApi(APIView):
    """R5: invite another agent to join the conversation (both see it and write)."""

    class InputSerializer(serializers.Serializer):
        agent_id = IdField()

    @extend_schema(
        request=InputSerializer,
        responses={201: shape("invited", invitation_id=INT, state=TEXT), 409: CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = collaboration.conference_invite(
            user=request.user, interaction_id=pk, agent_id=data.validated_data["agent_id"]
        )
        return Response(
            {"invitation_id": invitation.pk, "state": invitation.state}, status=status.HTTP_201_CREATED
        )


class ConferenceAnswerApi(APIView):
    """R5: the invited agent accepts (the conversation opens in their console) or declines."""

    accept = True

    @extend_schema(
        responses={
            200: shape("answered", invitation_id=INT, state=TEXT, interaction_id=INT),
            409: CONFLICT,
        }
    )
    def post(self, request: Request, pk: int) -> Response:
        invitation = collaboration.conference_answer(user=request.user, participant_id=pk, accept=self.accept)
        return Response(
            {
                "invitation_id": invitation.pk,
                "state": invitation.state,
                "interaction_id": invitation.interaction_id,
            }
        )


class ConferenceLeaveApi(APIView):
    """R5: leave the conference (the owner leaving hands the conversation over)."""

    @extend_schema(responses={200: body(payloads.InteractionSummary), 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        interaction = collaboration.conference_leave(user=request.user, interaction_id=pk)
        return Response(selectors.interaction_summary(interaction, user=request.user))


class ConsultationApi(APIView):
    """R6: the internal chat about an interaction. GET: its messages. POST: start it with
    another agent (``agent_id``) or write in it."""

    class InputSerializer(serializers.Serializer):
        agent_id = IdField(required=False)
        body = CharField(max_length=CONSULTATION_MESSAGE_MAX)

    @extend_schema(responses=shape("oldest first", messages=schema_of(list[payloads.ConsultationMessage])))
    def get(self, request: Request, pk: int) -> Response:
        return Response({"messages": selectors.consultation_messages(user=request.user, interaction_id=pk)})

    @extend_schema(
        request=InputSerializer, responses={201: body(payloads.ConsultationMessage), 409: CONFLICT}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = collaboration.consultation_post(user=request.user, interaction_id=pk, **data.validated_data)
        return Response(payloads.consultation_payload(message), status=status.HTTP_201_CREATED)


class ConsultationEndApi(APIView):
    @extend_schema(responses=shape("ended", ended=INT))
    def post(self, request: Request, pk: int) -> Response:
        return Response({"ended": collaboration.consultation_end(user=request.user, interaction_id=pk)})
