"""Interactions: lists, a tab's content, the transcript, and the owner's actions on one
(Done, case information, notes, blue ticks, typing)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import BodySerializer, CharField, IdField, query_choice
from conversations.api.pagination import CURSOR_PARAMETER, IdCursorPagination
from conversations.api.schema import BOOLEAN, CONFLICT, OBJECT, body, page_of, shape
from conversations.limits import NOTE_MAX
from conversations.models import Interaction
from conversations.models.bounds import field_max_length
from conversations.services import interactions as interaction_services
from conversations.services import receipts
from conversations.services.done import interaction_done
from waproject.requests import SignedInRequest


class InteractionListApi(APIView):
    """Interactions the caller may see (all for supervisors; their own for agents), newest
    first, each contact saying whether the caller may open its history."""

    @extend_schema(
        operation_id="v1_interactions_list",
        parameters=[OpenApiParameter("state", str, enum=Interaction.State.values), CURSOR_PARAMETER],
        responses=page_of(payloads.InteractionSummary),
    )
    def get(self, request: SignedInRequest) -> Response:
        interactions = selectors.interaction_list_for_user(user=request.user)
        state = query_choice(request, "state", choices=Interaction.State.values)
        if state:
            interactions = interactions.filter(state=state)
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(interactions, request, view=self) or []  # always paginated
        visible = selectors.contact_history_visible_ids(
            user=request.user, contact_ids=[i.contact_id for i in page]
        )
        return paginator.get_paginated_response(
            [payloads.interaction_summary_payload(i, history_visible=i.contact_id in visible) for i in page]
        )


class InteractionDetailApi(APIView):
    """INTERACTION: contact, case information, notes, participants, window, and what the
    caller may do with it (``console/`` is the same, the console's name for it)."""

    @extend_schema(responses=body(payloads.InteractionDetail))
    def get(self, request: SignedInRequest, pk: int) -> Response:
        interaction = selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        return Response(selectors.interaction_detail(interaction, user=request.user))


class TranscriptApi(APIView):
    """W3: the contact's transcript; ``before`` pages to older messages by keyset."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "before",
                {"type": "string", "pattern": selectors.CURSOR_PATTERN},
                description="the 'older' cursor of the last page",
            )
        ],
        responses=body(payloads.TranscriptPage),
    )
    def get(self, request: SignedInRequest, pk: int) -> Response:
        interaction = selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        before = request.query_params.get("before")  # "" is a malformed cursor (400), not none
        return Response(selectors.transcript_page(user=request.user, interaction=interaction, before=before))


class InteractionReadApi(APIView):
    """The agent has seen the customer's messages up to ``message_id`` (blue ticks)."""

    class InputSerializer(BodySerializer):
        message_id = IdField()

    @extend_schema(
        request=InputSerializer,
        responses=shape("the inbound message marked as read, if any", marked={"type": ["integer", "null"]}),
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = receipts.interaction_mark_read(
            user=request.user, interaction_id=pk, message_id=data.validated_data["message_id"]
        )
        return Response({"marked": marked})


class InteractionTypingApi(APIView):
    """The agent is typing: "typing…" on the customer's phone (the server throttles it)."""

    @extend_schema(request=None, responses=shape("whether the indicator went", sent=BOOLEAN))
    def post(self, request: SignedInRequest, pk: int) -> Response:
        return Response({"sent": receipts.interaction_typing(user=request.user, interaction_id=pk)})


class InteractionDoneApi(APIView):
    """R3 Done, with an optional disposition code and note."""

    class InputSerializer(BodySerializer):
        disposition = CharField(
            required=False, allow_blank=True, max_length=field_max_length(Interaction, "disposition")
        )
        note = CharField(required=False, allow_blank=True, max_length=NOTE_MAX)

    @extend_schema(request=InputSerializer, responses={200: body(payloads.InteractionSummary), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interaction = interaction_done(user=request.user, interaction_id=pk, **data.validated_data)
        return Response(selectors.interaction_summary(interaction, user=request.user))


class InteractionCaseDataApi(APIView):
    class InputSerializer(BodySerializer):
        case_data = serializers.DictField()

    @extend_schema(request=InputSerializer, responses={200: shape("saved", case_data=OBJECT), 409: CONFLICT})
    def patch(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interaction = interaction_services.interaction_case_data_update(
            user=request.user, interaction_id=pk, case_data=data.validated_data["case_data"]
        )
        return Response({"case_data": interaction.case_data})


class InteractionNotesApi(APIView):
    class InputSerializer(BodySerializer):
        body = CharField(max_length=NOTE_MAX)

    @extend_schema(request=InputSerializer, responses={201: body(payloads.Note), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = interaction_services.interaction_note_add(
            user=request.user, interaction_id=pk, body=data.validated_data["body"]
        )
        return Response(payloads.note_payload(note), status=status.HTTP_201_CREATED)
