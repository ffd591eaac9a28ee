"""B4 endpoint: an external bot hands its interaction off to routing.

The bot answers the customer through the existing endpoints (``interactions/{id}/
messages/``, case data, Done), allowed on the interactions it owns like an agent's; this
one is the bot's own: hand off to a queue or skill with case data. Authenticated by the
bot user's API token (``Authorization: Token …``); needs "Can act as an external bot".
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads
from conversations.api.inputs import BodySerializer, IdField
from conversations.api.schema import CONFLICT, body
from integrations.bots import bot_handoff
from waproject.requests import SignedInRequest


class BotHandoffApi(APIView):
    """The bot is done: the interaction goes to routing, to ``queue_id`` (else the queue it
    started in), to agents with ``skill_id`` if given, with ``case_data`` added to its case
    information. 409 once the interaction is no longer with the bot (handed off, timed
    out, closed)."""

    class InputSerializer(BodySerializer):
        queue_id = IdField(required=False)
        skill_id = IdField(required=False)
        case_data = serializers.DictField(required=False)

    @extend_schema(request=InputSerializer, responses={200: body(payloads.InteractionState), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interaction = bot_handoff(user=request.user, interaction_id=pk, **data.validated_data)
        return Response(payloads.interaction_payload(interaction))


urlpatterns = [
    path("interactions/<id:pk>/handoff/", BotHandoffApi.as_view(), name="interaction-bot-handoff"),
]
