"""Outbound sessions: open a WhatsApp conversation with a template (O3-O5)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import BodySerializer, BooleanField, CharField, IdField, PhoneField
from conversations.api.schema import CONFLICT, body, exactly_one_of
from conversations.limits import SOURCE_ID_MAX
from conversations.services.sessions import (
    StartedSession,
    outbound_session_from_other_media,
    outbound_session_start,
)
from waproject.requests import SignedInRequest


def _started(started: StartedSession, *, user: User) -> Response:
    answer: payloads.StartedSession = {
        "interaction": selectors.interaction_summary(started.interaction, user=user),
        "message": selectors.messages_payload([started.message])[0],
    }
    return Response(answer, status=status.HTTP_201_CREATED)


class OutboundSessionApi(APIView):
    """O3 / O5: open a WhatsApp conversation with a template.

    By an agent from the contact directory or their history (``assign_to_me``: the
    conversation is theirs at once), or by an integrator inviting a customer to chat (it
    waits for the answer, which is routed to an available agent). Needs the permission
    "Can start WhatsApp conversations". Without ``channel_id``: the default number (the
    one previews and the template list use too).
    """

    class InputSerializer(BodySerializer):
        json_schema_extra = exactly_one_of("phone", "contact_id")

        phone = PhoneField(required=False)
        contact_id = IdField(required=False)
        template_id = IdField()
        parameters = serializers.DictField(required=False)
        channel_id = IdField(required=False)
        queue_id = IdField(required=False)
        assign_to_me = BooleanField(required=False, default=False)
        attachment_id = IdField(required=False, help_text="the media header of a rich media template")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if bool(attrs.get("phone")) == bool(attrs.get("contact_id")):
                raise serializers.ValidationError(_("give exactly one of phone or contact_id"))
            return attrs

    @extend_schema(request=InputSerializer, responses={201: body(payloads.StartedSession), 409: CONFLICT})
    def post(self, request: SignedInRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _started(outbound_session_start(user=request.user, **data.validated_data), user=request.user)


class OutboundFromOtherMediaApi(APIView):
    """O4: continue on WhatsApp with a customer met on another media (a call, an SMS…);
    number and template from the option whatsappsession.outbound-session-config."""

    class InputSerializer(BodySerializer):
        phone = PhoneField()
        source_media = serializers.ChoiceField(choices=["voice", "sms", "email", "chat", "other"])
        source_id = CharField(required=False, allow_blank=True, max_length=SOURCE_ID_MAX)
        parameters = serializers.DictField(required=False)
        case_data = serializers.DictField(required=False)
        assign_to_me = BooleanField(required=False, default=True)

    @extend_schema(request=InputSerializer, responses={201: body(payloads.StartedSession), 409: CONFLICT})
    def post(self, request: SignedInRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        started = outbound_session_from_other_media(user=request.user, **data.validated_data)
        return _started(started, user=request.user)
