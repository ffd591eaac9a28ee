"""REST API views: thin. Input serializers validate shapes, services decide, selectors read.

The console uses the same endpoints as integrators (one path, one set of checks); the
session cookie authenticates the console, a token integrators.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound as DRFNotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import jobs, payloads, selectors
from conversations.api.inputs import (
    ID_SCHEMA,
    QUERY_TEXT_SCHEMA,
    BooleanField,
    CharField,
    IdField,
    PhoneField,
    ids_pattern,
    query_choice,
    query_id,
    query_ids,
    query_text,
)
from conversations.api.pagination import IdCursorPagination
from conversations.api.parsers import MultiPartParser
from conversations.api.schema import (
    CONFLICT,
    CREATED,
    INT,
    NOT_BLANK,
    OBJECT,
    OBJECTS,
    OK,
    TEXT,
    error,
    exactly_one_of,
    shape,
)
from conversations.api.serializers import ContactSerializer, InteractionSerializer
from conversations.exceptions import NotFound, PermissionDenied
from conversations.models import Interaction, Message
from conversations.services import contacts as contact_services
from conversations.services import interactions as interaction_services
from conversations.services import media as media_services
from conversations.services import outbound, routing
from waproject.embedded import enqueue_on_commit

#: Uploads above this are refused before they are read (WhatsApp's largest is 100 MB).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


# --- contacts ------------------------------------------------------------------------------


def _with_history_visible(view: generics.ListAPIView, contact_ids: Any) -> Response:
    """A page of the list whose contacts say whether the caller may open their history
    (``history_visible``), decided for the whole page at once."""
    page = view.paginate_queryset(view.get_queryset())
    visible = selectors.contact_history_visible_ids(user=view.request.user, contact_ids=contact_ids(page))
    serializer = view.get_serializer(
        page, many=True, context={**view.get_serializer_context(), "history_visible": visible}
    )
    return view.get_paginated_response(serializer.data)


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("search", QUERY_TEXT_SCHEMA)]))
class ContactListApi(generics.ListAPIView):
    """Contacts, searchable by name, profile name, e-mail or phone digits (?search=), each
    saying whether the caller may open its history (``history_visible``)."""

    serializer_class = ContactSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> Any:
        return selectors.contact_list(user=self.request.user, search=query_text(self.request, "search"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _with_history_visible(self, lambda page: [c.pk for c in page])


class ContactDetailApi(APIView):
    """A contact; name, phone, e-mail and identifiers are editable (the contact database)."""

    class InputSerializer(serializers.Serializer):
        name = CharField(max_length=256, required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        phone = CharField(max_length=32, required=False, allow_blank=True)
        identifiers = serializers.DictField(required=False)

    @extend_schema(responses=ContactSerializer)
    def get(self, request: Request, pk: int) -> Response:
        contact = selectors.contact_get_for_user(user=request.user, contact_id=pk)
        visible = selectors.contact_history_visible_ids(user=request.user, contact_ids=[contact.pk])
        return Response(ContactSerializer(contact, context={"history_visible": visible}).data)

    @extend_schema(request=InputSerializer, responses=ContactSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contact_services.contact_update(user=request.user, contact_id=pk, **data.validated_data)
        return Response(ContactSerializer(contact).data)


class ContactHistoryApi(APIView):
    """W11: every interaction of the contact, on every channel, newest first (with the
    contact directory permission, or for agents who may see one of its interactions)."""

    @extend_schema(responses=shape("newest first", interactions=OBJECTS))
    def get(self, request: Request, pk: int) -> Response:
        if not selectors.can_view_contact_history(user=request.user, contact_id=pk):
            raise DRFNotFound(f"contact {pk} does not exist or its history is not yours to see")
        return Response({"interactions": selectors.contact_history(contact_id=pk)})


# --- interactions ------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(parameters=[OpenApiParameter("state", str, enum=Interaction.State.values)])
)
class InteractionListApi(generics.ListAPIView):
    """Interactions the caller may see (all for supervisors; their own for agents)."""

    serializer_class = InteractionSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> Any:
        queryset = selectors.interaction_list_for_user(user=self.request.user)
        state = query_choice(self.request, "state", choices=Interaction.State.values)
        return queryset.filter(state=state) if state else queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _with_history_visible(self, lambda page: [i.contact_id for i in page])


class InteractionDetailApi(generics.RetrieveAPIView):
    serializer_class = InteractionSerializer

    def get_object(self) -> Any:
        return selectors.interaction_get_for_user(user=self.request.user, interaction_id=self.kwargs["pk"])


class InteractionConsoleApi(APIView):
    """The console's view of an interaction: contact, case information, notes, window."""

    def get(self, request: Request, pk: int) -> Response:
        return Response(
            selectors.interaction_detail(
                selectors.interaction_get_for_user(user=request.user, interaction_id=pk), user=request.user
            )
        )


class TranscriptApi(APIView):
    """W3: the contact's transcript; ``before`` pages to older messages by keyset."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "before",
                {"type": "string", "pattern": selectors.CURSOR_PATTERN},
                description="the 'older' cursor of the last page",
            )
        ]
    )
    def get(self, request: Request, pk: int) -> Response:
        interaction = selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        before = request.query_params.get("before")  # "" is a malformed cursor (400), not none
        return Response(selectors.transcript_page(user=request.user, interaction=interaction, before=before))


class InteractionMessagesApi(APIView):
    """GET: catch up (messages with an id above ``after_id``, and the ``ids`` already shown,
    again). POST: send a message."""

    class SendSerializer(serializers.Serializer):
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
        body = CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=4096)
        preview_url = BooleanField(required=False, default=False)
        client_ref = CharField(required=False, allow_blank=True, max_length=64)
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
                    {needs[kind]: f"required for a {kind} message (or a template_id)"}
                )
            if (
                kind in Message.MEDIA_TYPES
                and not attrs.get("attachment_id")
                and not attrs.get("template_id")
            ):
                raise serializers.ValidationError(
                    {"attachment_id": "upload the file first (POST attachments/)"}
                )
            return attrs

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
        ]
    )
    def get(self, request: Request, pk: int) -> Response:
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
            201: CREATED,
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="a replay: the same client_ref was sent"),
            409: CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        interaction = selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        data = self.SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        content: dict[str, Any] = {}
        if values["type"] == "text" and values.get("preview_url"):
            content["preview_url"] = True
        for key in ("location", "template", "interactive"):
            if values.get(key):
                content = {**values[key]} if key == "location" else {key: values[key]}
        if values.get("template_id"):
            from templates_app.services import template_message_spec

            filled = template_message_spec(
                user=request.user,
                channel=interaction.channel,
                template_id=values["template_id"],
                parameters=values.get("parameters"),
                attachment_id=values.get("attachment_id"),
            )
            spec = dataclasses.replace(filled, client_ref=values.get("client_ref", ""))
        else:
            spec = outbound.OutboundSpec(
                type=values["type"],
                body=values.get("body", ""),
                content=content,
                attachment_id=values.get("attachment_id"),
                reply_to_message_id=values.get("reply_to"),
                client_ref=values.get("client_ref", ""),
            )
        message = outbound.message_send(user=request.user, interaction_id=interaction.pk, spec=spec)
        replayed = getattr(message, "replayed", False)
        return Response(
            {**selectors.messages_payload([message])[0], "replayed": replayed},
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )


class MessageRetryApi(APIView):
    """Send a failed message again."""

    @extend_schema(responses={200: OK, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        message = outbound.message_retry(user=request.user, message_id=pk)
        return Response(selectors.messages_payload([message])[0])


class InteractionReadApi(APIView):
    """The agent has seen the customer's messages up to ``message_id`` (blue ticks)."""

    class InputSerializer(serializers.Serializer):
        message_id = IdField()

    @extend_schema(
        request=InputSerializer,
        responses=shape("the inbound message marked as read, if any", marked={"type": ["integer", "null"]}),
    )
    def post(self, request: Request, pk: int) -> Response:
        interaction = selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        if not outbound.user_can_write(user=request.user, interaction=interaction):
            raise PermissionDenied("only the interaction's agents mark the customer's messages as read")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = (
            Message.objects.filter(
                interaction=interaction,
                pk__lte=data.validated_data["message_id"],
                direction=Message.Direction.INBOUND,
            )
            .order_by("-id")
            .only("pk")
            .first()
        )
        if message is not None:
            enqueue_on_commit(jobs.MESSAGE_MARK_READ, message.pk)
        return Response({"marked": message.pk if message else None})


class InteractionTypingApi(APIView):
    """The agent is typing: "typing…" on the customer's phone (the server throttles it)."""

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        return Response({"sent": outbound.interaction_typing(user=request.user, interaction_id=pk)})


class InteractionDoneApi(APIView):
    """R3 Done, with an optional disposition code and note."""

    class InputSerializer(serializers.Serializer):
        disposition = CharField(required=False, allow_blank=True, max_length=100)
        note = CharField(required=False, allow_blank=True, max_length=10_000)

    @extend_schema(request=InputSerializer, responses={200: OK, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interaction = interaction_services.interaction_done(
            user=request.user, interaction_id=pk, **data.validated_data
        )
        return Response(selectors.interaction_summary(interaction, user=request.user))


class InteractionCaseDataApi(APIView):
    class InputSerializer(serializers.Serializer):
        case_data = serializers.DictField()

    @extend_schema(request=InputSerializer, responses={200: shape("saved", case_data=OBJECT), 409: CONFLICT})
    def patch(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interaction = interaction_services.interaction_case_data_update(
            user=request.user, interaction_id=pk, case_data=data.validated_data["case_data"]
        )
        return Response({"case_data": interaction.case_data})


class InteractionNotesApi(APIView):
    class InputSerializer(serializers.Serializer):
        body = CharField(max_length=10_000)

    @extend_schema(request=InputSerializer, responses={201: CREATED, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = interaction_services.interaction_note_add(
            user=request.user, interaction_id=pk, body=data.validated_data["body"]
        )
        return Response(payloads.note_payload(note), status=status.HTTP_201_CREATED)


# --- agents and offers -------------------------------------------------------------------------


class AgentMeApi(APIView):
    """The caller's agent state, options, pending offers and open interactions."""

    def get(self, request: Request) -> Response:
        return Response(selectors.agent_snapshot(user=request.user))


class AgentStateApi(APIView):
    """Ready / Not Ready for WhatsApp."""

    class InputSerializer(serializers.Serializer):
        ready = BooleanField()

    @extend_schema(request=InputSerializer)
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = routing.agent_set_ready(user=request.user, ready=data.validated_data["ready"])
        profile.refresh_from_db()
        return Response(payloads.agent_payload(profile))


class OfferAcceptApi(APIView):
    @extend_schema(responses={200: OK, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        interaction = routing.offer_accept(user=request.user, offer_id=pk)
        return Response(selectors.interaction_summary(interaction, user=request.user))


class OfferRejectApi(APIView):
    @extend_schema(responses={200: OK, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        routing.offer_reject(user=request.user, offer_id=pk)
        return Response({})


# --- attachments ---------------------------------------------------------------------------------


class AttachmentUploadApi(APIView):
    """Upload a file to send: checked by content against WhatsApp's types and limits."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        responses={201: CREATED, 413: error("the file is larger than 100 MB")},
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            return Response(
                {"error": {"code": "invalid", "message": "send the file in the 'file' field"}}, status=400
            )
        if upload.size > MAX_UPLOAD_BYTES:
            return Response(
                {"error": {"code": "media_rejected", "message": "files are limited to 100 MB"}}, status=413
            )
        attachment = media_services.attachment_upload(
            user=request.user, data=upload.read(), file_name=upload.name
        )
        return Response(payloads.attachment_payload(attachment), status=status.HTTP_201_CREATED)


def _serve(request: Request, pk: int, *, thumbnail: bool) -> FileResponse:
    try:
        attachment = selectors.attachment_get_for_user(user=request.user, attachment_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    stored = attachment.thumbnail if thumbnail else attachment.file
    if not stored:
        raise Http404("this file is not available (yet)")
    response = FileResponse(
        stored.open("rb"),
        content_type="image/jpeg" if thumbnail else (attachment.mime_type or "application/octet-stream"),
        as_attachment=bool(request.query_params.get("download")) and not thumbnail,
        filename=attachment.file_name or None,
    )
    # User-supplied files never run as HTML in our origin.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


#: A stored file, served as it is (its own content type).
FILE = {(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the file")}


class AttachmentFileApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("download", str, description="any value: as an attachment")],
        responses=FILE,
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return _serve(request, pk, thumbnail=False)


class AttachmentThumbnailApi(APIView):
    @extend_schema(responses=FILE)
    def get(self, request: Request, pk: int) -> FileResponse:
        return _serve(request, pk, thumbnail=True)


#: A conversation started with a template: the interaction and the template message.
STARTED = shape("started", interaction=OBJECT, message=OBJECT)


class OutboundSessionApi(APIView):
    """O3 / O5: open a WhatsApp conversation with a template.

    By an agent from the contact directory or their history (``assign_to_me``: the
    conversation is theirs at once), or by an integrator inviting a customer to chat (it
    waits for the answer, which is routed to an available agent). Needs the permission
    "Can start WhatsApp conversations".
    """

    class InputSerializer(serializers.Serializer):
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
                raise serializers.ValidationError("give exactly one of phone or contact_id")
            return attrs

    @extend_schema(request=InputSerializer, responses={201: STARTED, 409: CONFLICT})
    def post(self, request: Request) -> Response:
        from conversations.services.sessions import outbound_session_start

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        started = outbound_session_start(user=request.user, **data.validated_data)
        return _started_session(started, user=request.user)


class InteractionTransferApi(APIView):
    """R4 instant transfer to an agent, an agent group, a skill or a queue."""

    class InputSerializer(serializers.Serializer):
        json_schema_extra = exactly_one_of("agent_id", "group_id", "skill_id", "queue_id")

        agent_id = IdField(required=False)
        group_id = IdField(required=False)
        skill_id = IdField(required=False)
        queue_id = IdField(required=False)

    @extend_schema(request=InputSerializer, responses={200: OK, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interaction = routing.interaction_transfer(
            user=request.user, interaction_id=pk, **data.validated_data
        )
        return Response(selectors.interaction_summary(interaction, user=request.user))


class TransferTargetsApi(APIView):
    """R4 target search by name: agents (with availability), groups, skills, queues."""

    @extend_schema(
        parameters=[OpenApiParameter("search", QUERY_TEXT_SCHEMA)],
        responses=shape("by name", agents=OBJECTS, groups=OBJECTS, skills=OBJECTS, queues=OBJECTS),
    )
    def get(self, request: Request) -> Response:
        search = query_text(request, "search")
        return Response(routing.transfer_targets(user=request.user, search=search))


class InteractionAssignContactApi(APIView):
    """R8: the customer of this interaction (an unknown number, say) is a known contact:
    merge the interaction's contact into it."""

    class InputSerializer(serializers.Serializer):
        contact_id = IdField()

    @extend_schema(request=InputSerializer, responses={200: ContactSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        selectors.interaction_get_for_user(user=request.user, interaction_id=pk)  # 404 if not visible
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = contact_services.interaction_contact_assign(
            user=request.user, interaction_id=pk, contact_id=data.validated_data["contact_id"]
        )
        return Response(ContactSerializer(target).data)


class ConferenceInviteApi(APIView):
    """R5: invite another agent to join the conversation (both see it and write)."""

    class InputSerializer(serializers.Serializer):
        agent_id = IdField()

    @extend_schema(
        request=InputSerializer,
        responses={201: shape("invited", invitation_id=INT, state=TEXT), 409: CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        from conversations.services.collaboration import conference_invite

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = conference_invite(
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
        from conversations.services.collaboration import conference_answer

        invitation = conference_answer(user=request.user, participant_id=pk, accept=self.accept)
        return Response(
            {
                "invitation_id": invitation.pk,
                "state": invitation.state,
                "interaction_id": invitation.interaction_id,
            }
        )


class ConferenceLeaveApi(APIView):
    """R5: leave the conference (the owner leaving hands the conversation over)."""

    @extend_schema(responses={200: OK, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        from conversations.services.collaboration import conference_leave

        interaction = conference_leave(user=request.user, interaction_id=pk)
        return Response(selectors.interaction_summary(interaction, user=request.user))


class ConsultationApi(APIView):
    """R6: the internal chat about an interaction. GET: its messages. POST: start it with
    another agent (``agent_id``) or write in it."""

    class InputSerializer(serializers.Serializer):
        agent_id = IdField(required=False)
        body = CharField(max_length=4096)

    @extend_schema(responses=shape("oldest first", messages=OBJECTS))
    def get(self, request: Request, pk: int) -> Response:
        from conversations.services.collaboration import consultation_messages

        return Response({"messages": consultation_messages(user=request.user, interaction_id=pk)})

    @extend_schema(request=InputSerializer, responses={201: CREATED, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        from conversations.services.collaboration import consultation_send, consultation_start

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("agent_id"):
            message = consultation_start(
                user=request.user, interaction_id=pk, agent_id=values["agent_id"], body=values["body"]
            )
        else:
            message = consultation_send(user=request.user, interaction_id=pk, body=values["body"])
        return Response(payloads.consultation_payload(message), status=status.HTTP_201_CREATED)


class ConsultationEndApi(APIView):
    @extend_schema(responses=shape("ended", ended=INT))
    def post(self, request: Request, pk: int) -> Response:
        from conversations.services.collaboration import consultation_end

        return Response({"ended": consultation_end(user=request.user, interaction_id=pk)})


class OutboundFromOtherMediaApi(APIView):
    """O4: continue on WhatsApp with a customer met on another media (a call, an SMS…);
    number and template from the option whatsappsession.outbound-session-config."""

    class InputSerializer(serializers.Serializer):
        phone = PhoneField()
        source_media = serializers.ChoiceField(choices=["voice", "sms", "email", "chat", "other"])
        source_id = CharField(required=False, allow_blank=True, max_length=120)
        parameters = serializers.DictField(required=False)
        case_data = serializers.DictField(required=False)
        assign_to_me = BooleanField(required=False, default=True)

    @extend_schema(request=InputSerializer, responses={201: STARTED, 409: CONFLICT})
    def post(self, request: Request) -> Response:
        from conversations.services.sessions import outbound_session_from_other_media

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        started = outbound_session_from_other_media(user=request.user, **data.validated_data)
        return _started_session(started, user=request.user)


def _started_session(started: Any, *, user: Any) -> Response:
    return Response(
        {
            "interaction": selectors.interaction_summary(started.interaction, user=user),
            "message": selectors.messages_payload([started.message])[0],
        },
        status=status.HTTP_201_CREATED,
    )
