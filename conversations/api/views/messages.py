"""An interaction's messages: the catch-up after a reconnect, sending, retrying, and the
agent's reaction to a customer's message (U1)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import (
    ID_SCHEMA,
    BodySerializer,
    BooleanField,
    CharField,
    IdField,
    ids_pattern,
    query_id,
    query_ids,
)
from conversations.api.schema import CONFLICT, NOT_BLANK, body
from conversations.models import Message, Reaction
from conversations.models.bounds import field_max_length
from conversations.services import outbound, reactions
from conversations.services.specs import OutboundSpec, TemplateSpec
from waproject.requests import SignedInRequest
from whatsapp.limits import TEXT_BODY_MAX


class InteractionMessagesApi(APIView):
    """GET: catch up (messages with an id above ``after_id``, and the ``ids`` already shown,
    again). POST: send a message."""

    class SendSerializer(BodySerializer):
        #: ``validate`` below (and the service's "the message is empty"), for the schema: what
        #: each type needs, unless a template_id fills it.
        json_schema_extra: ClassVar[dict[str, Any]] = {
            "anyOf": [
                {"required": ["template_id"]},
                {
                    "properties": {
                        "type": {"type": "string", "const": "text"},
                        "body": {"type": "string", "pattern": NOT_BLANK},
                    },
                    "required": ["body"],
                },
                *(
                    {
                        "properties": {"type": {"type": "string", "const": kind}, kind: {"minProperties": 1}},
                        "required": [kind],
                    }
                    for kind in ("location", "template", "interactive")
                ),
                {
                    "properties": {"type": {"type": "string", "enum": [str(t) for t in Message.MEDIA_TYPES]}},
                    "required": ["attachment_id"],
                },
            ]
        }

        type = serializers.ChoiceField(choices=[str(t) for t in outbound.SENDABLE_TYPES])
        body = CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=TEXT_BODY_MAX)
        preview_url = BooleanField(required=False, default=False)
        client_ref = CharField(
            required=False, allow_blank=True, max_length=field_max_length(Message, "client_ref")
        )
        reply_to = IdField(required=False)
        attachment_id = IdField(required=False)
        location = serializers.DictField(required=False)
        template = serializers.DictField(required=False, help_text="{name, language, components}")
        interactive = serializers.DictField(required=False, help_text="{type: button|list, ...}")
        template_id = IdField(
            required=False, help_text="a stored template (notification or interactive) to fill"
        )
        parameters = serializers.DictField(
            required=False, help_text='{"header": [...], "body": [...], "buttons": {"<index>": "url suffix"}}'
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            kind = attrs["type"]
            needs = {"location": "location", "template": "template", "interactive": "interactive"}
            if kind in needs and not attrs.get(needs[kind]) and not attrs.get("template_id"):
                raise serializers.ValidationError(
                    {
                        needs[kind]: _("required for a message of type %(type)s (or a template_id)")
                        % {"type": Message.Type(kind).label}
                    }
                )
            if (
                kind in Message.MEDIA_TYPES
                and not attrs.get("attachment_id")
                and not attrs.get("template_id")
            ):
                raise serializers.ValidationError(
                    {"attachment_id": _("upload the file first (POST attachments/)")}
                )
            return attrs

        def spec(self) -> OutboundSpec | TemplateSpec:
            """What to send: a stored template to fill in, or the message as written."""
            values = self.validated_data
            if values.get("template_id"):
                return TemplateSpec(
                    template_id=values["template_id"],
                    parameters=values.get("parameters"),
                    attachment_id=values.get("attachment_id"),
                    client_ref=values.get("client_ref", ""),
                )
            content: dict[str, Any] = {}
            if values["type"] == "text" and values.get("preview_url"):
                content["preview_url"] = True
            for key in ("location", "template", "interactive"):
                if values.get(key):
                    content = {**values[key]} if key == "location" else {key: values[key]}
            return OutboundSpec(
                type=values["type"],
                body=values.get("body", ""),
                content=content,
                attachment_id=values.get("attachment_id"),
                reply_to_message_id=values.get("reply_to"),
                client_ref=values.get("client_ref", ""),
            )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after_id", {**ID_SCHEMA, "minimum": 0}, description="the messages with a higher id"
            ),
            OpenApiParameter(
                "ids",
                {"type": "string", "pattern": ids_pattern(selectors.REFRESH_LIMIT)},
                description=(
                    f"comma-separated ids of messages already shown, at most {selectors.REFRESH_LIMIT}:"
                    " returned again under 'refreshed' (status, reactions, edits, downloads)"
                ),
            ),
        ],
        responses=body(payloads.CatchUp),
    )
    def get(self, request: SignedInRequest, pk: int) -> Response:
        interaction = selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        after_id = query_id(request, "after_id", allow_zero=True) or 0
        refresh_ids = query_ids(request, "ids", limit=selectors.REFRESH_LIMIT)
        return Response(
            selectors.messages_catch_up(
                user=request.user, interaction=interaction, after_id=after_id, refresh_ids=refresh_ids
            )
        )

    @extend_schema(
        request=SendSerializer,
        responses={
            201: body(payloads.SentMessage, "sent (queued: it leaves after the commit)"),
            200: body(payloads.SentMessage, "a replay: the same client_ref was sent before"),
            409: CONFLICT,
        },
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        interaction = selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        data = self.SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = outbound.message_send(user=request.user, interaction_id=interaction.pk, spec=data.spec())
        replayed = getattr(message, "replayed", False)
        return Response(
            {**selectors.messages_payload([message])[0], "replayed": replayed},
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )


class MessageRetryApi(APIView):
    """Send a failed message again."""

    @extend_schema(responses={200: body(payloads.Message), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        message = outbound.message_retry(user=request.user, message_id=pk)
        return Response(selectors.messages_payload([message])[0])


class MessageReactionApi(APIView):
    """U1: react to a customer's message of the interaction with one emoji ("" removes the
    reaction); reacting again replaces it. It leaves after the commit; the consoles showing
    the message hear ``message.reaction`` as its send goes on."""

    class ReactionSerializer(BodySerializer):
        emoji = CharField(
            allow_blank=True,
            trim_whitespace=False,
            max_length=field_max_length(Reaction, "emoji"),
            help_text='one emoji, e.g. "👍"; "" removes the reaction',
        )

    @extend_schema(
        request=ReactionSerializer,
        responses={
            200: body(payloads.Message, "the message, with its reactions as they stand"),
            409: CONFLICT,
        },
    )
    def post(self, request: SignedInRequest, pk: int, message_id: int) -> Response:
        interaction = selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        data = self.ReactionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reactions.react_to_message(
            user=request.user,
            interaction_id=interaction.pk,
            message_id=message_id,
            emoji=data.validated_data["emoji"],
        )
        message = selectors.interaction_message_get(interaction=interaction, message_id=message_id)
        return Response(selectors.messages_payload([message])[0])
