"""Two agents on one interaction: conference (R5) and consultation (R6)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import BodySerializer, CharField, IdField
from conversations.api.schema import CONFLICT, INT, TEXT, body, exactly_one_of, schema_of, shape
from conversations.limits import CONSULTATION_MESSAGE_MAX
from conversations.services import collaboration
from waproject.requests import SignedInRequest


class ConferenceInviteApi(APIView):
    """R5: invite another agent to join the conversation (both see it and write): by name,
    or (R5b) through routing to an agent group or a skill, which needs the option
    ``intercommunication.whatsappsession.queue`` (409 ``conference_not_configured``)."""

    TARGETS = ("agent_id", "group_id", "skill_id")

    class InputSerializer(BodySerializer):
        json_schema_extra = exactly_one_of("agent_id", "group_id", "skill_id")

        agent_id = IdField(required=False)
        group_id = IdField(required=False)
        skill_id = IdField(required=False)

        def validate(self, attrs: dict[str, int]) -> dict[str, int]:
            given = [name for name in ConferenceInviteApi.TARGETS if attrs.get(name)]
            if len(given) != 1:
                message = _("give exactly one of agent_id, group_id or skill_id")
                raise serializers.ValidationError({name: [message] for name in given or ["agent_id"]})
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={
            201: shape(
                "invited",
                invitation_id=INT,
                state=TEXT,
                agent_id=INT,
                agent_name=TEXT,
                via=schema_of(payloads.InvitationVia | None),
            ),
            409: CONFLICT,
        },
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = collaboration.conference_invite(
            user=request.user, interaction_id=pk, **data.validated_data
        )
        return Response(
            {
                "invitation_id": invitation.pk,
                "state": invitation.state,
                "agent_id": invitation.agent_id,
                "agent_name": payloads.user_name(invitation.agent),
                "via": payloads.invitation_via(invitation),
            },
            status=status.HTTP_201_CREATED,
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
    def post(self, request: SignedInRequest, pk: int) -> Response:
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
    def post(self, request: SignedInRequest, pk: int) -> Response:
        interaction = collaboration.conference_leave(user=request.user, interaction_id=pk)
        return Response(selectors.interaction_summary(interaction, user=request.user))


class ConsultationApi(APIView):
    """R6: the internal chat about an interaction. GET: its messages. POST: start it with
    another agent (``agent_id``) or write in it."""

    class InputSerializer(BodySerializer):
        agent_id = IdField(required=False)
        body = CharField(max_length=CONSULTATION_MESSAGE_MAX)

    @extend_schema(responses=shape("oldest first", messages=schema_of(list[payloads.ConsultationMessage])))
    def get(self, request: SignedInRequest, pk: int) -> Response:
        return Response({"messages": selectors.consultation_messages(user=request.user, interaction_id=pk)})

    @extend_schema(
        request=InputSerializer, responses={201: body(payloads.ConsultationMessage), 409: CONFLICT}
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = collaboration.consultation_post(user=request.user, interaction_id=pk, **data.validated_data)
        return Response(payloads.consultation_payload(message), status=status.HTTP_201_CREATED)


class ConsultationEndApi(APIView):
    @extend_schema(responses=shape("ended", ended=INT))
    def post(self, request: SignedInRequest, pk: int) -> Response:
        return Response({"ended": collaboration.consultation_end(user=request.user, interaction_id=pk)})
