"""T1-T4 endpoints: the Standard Response Library and the templates an agent can send."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads
from conversations import selectors as conversation_selectors
from conversations.api.inputs import (
    ID_SCHEMA,
    QUERY_TEXT_SCHEMA,
    BodySerializer,
    IdField,
    query_id,
    query_text,
)
from conversations.api.schema import INT, body, schema_of, shape
from conversations.models import Channel
from templates_app import selectors, services
from templates_app.composition import compose
from waproject.files import secure_file_response
from waproject.requests import SignedInRequest


class StandardResponseListApi(APIView):
    """T1: active standard responses by name, shortcut (``/hello``) or text."""

    @extend_schema(
        parameters=[OpenApiParameter("search", QUERY_TEXT_SCHEMA)],
        responses=shape("at most 200", responses=schema_of(list[payloads.StandardResponse])),
    )
    def get(self, request: SignedInRequest) -> Response:
        responses = selectors.standard_responses_search(query=query_text(request, "search"))
        return Response(
            {
                "responses": [
                    payloads.standard_response_payload(r)
                    for r in responses.prefetch_related("attachments")[:200]
                ]
            }
        )


class StandardResponseAttachmentUseApi(APIView):
    """T1: a response's file as an attachment ready to send (removable before sending)."""

    @extend_schema(responses={201: body(payloads.Attachment)})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        attachment = services.standard_response_attachment_use(user=request.user, attachment_id=pk)
        return Response(payloads.attachment_payload(attachment), status=status.HTTP_201_CREATED)


#: The templates of a list, with their parameter slots.
TEMPLATES = schema_of(list[payloads.Template])


class InteractionTemplatesApi(APIView):
    """T2-T4: templates the agent may send in this interaction, with their parameters."""

    @extend_schema(responses=shape("sendable here", templates=TEMPLATES))
    def get(self, request: SignedInRequest, pk: int) -> Response:
        interaction = conversation_selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        templates = selectors.templates_sendable(channel=interaction.channel)
        return Response({"templates": [payloads.template_payload(t) for t in templates]})


class TemplateListApi(APIView):
    """Templates sendable on a number (``channel_id``, default: the default number, on which
    an outbound session starts too), e.g. to start a conversation (O3) when no interaction
    is open yet."""

    @extend_schema(
        parameters=[OpenApiParameter("channel_id", ID_SCHEMA)],
        responses=shape("the number's templates", channel_id=INT, templates=TEMPLATES),
    )
    def get(self, request: SignedInRequest) -> Response:
        channel = conversation_selectors.channel_for_sending(channel_id=query_id(request, "channel_id"))
        templates = selectors.templates_sendable(channel=channel)
        return Response(
            {
                "channel_id": channel.pk,
                "templates": [
                    payloads.template_payload(t)
                    for t in templates
                    if t.kind in ("notification", "rich_media")
                ],
            }
        )


class PreviewInput(BodySerializer):
    template_id = IdField()
    parameters = serializers.DictField(required=False)
    channel_id = IdField(required=False)


def _preview(*, channel: Channel, data: dict[str, Any]) -> Response:
    template = selectors.template_sendable_get(channel=channel, template_id=data["template_id"])
    composed = compose(template, parameters=data.get("parameters"))
    return Response(payloads.template_preview_payload(template, composed))


class TemplatePreviewApi(APIView):
    """The Notification editor's preview: what the customer will read, or what is wrong."""

    @extend_schema(request=PreviewInput, responses=body(payloads.TemplatePreview))
    def post(self, request: SignedInRequest, pk: int) -> Response:
        interaction = conversation_selectors.interaction_get_for_user(user=request.user, interaction_id=pk)
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _preview(channel=interaction.channel, data=data.validated_data)


class TemplatePreviewAnyApi(APIView):
    """The same preview before any conversation exists (O3), for a number (``channel_id``,
    default: the default number, on which an outbound session starts too)."""

    @extend_schema(request=PreviewInput, responses=body(payloads.TemplatePreview))
    def post(self, request: SignedInRequest) -> Response:
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel = conversation_selectors.channel_for_sending(channel_id=data.validated_data.get("channel_id"))
        return _preview(channel=channel, data=data.validated_data)


class TemplateHeaderFileApi(APIView):
    """The template's own header file (for the preview)."""

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request: SignedInRequest, pk: int) -> FileResponse:
        template = selectors.template_with_header_file(template_id=pk)
        if template is None:
            raise Http404(f"template {pk} does not exist or has no header file")
        return secure_file_response(template.header_media)


urlpatterns = [
    path("standard-responses/", StandardResponseListApi.as_view(), name="standard-response-list"),
    path(
        "standard-responses/attachments/<id:pk>/use/",
        StandardResponseAttachmentUseApi.as_view(),
        name="standard-response-attachment-use",
    ),
    path("interactions/<id:pk>/templates/", InteractionTemplatesApi.as_view(), name="interaction-templates"),
    path("interactions/<id:pk>/templates/preview/", TemplatePreviewApi.as_view(), name="template-preview"),
    path("templates/", TemplateListApi.as_view(), name="template-list"),
    path("templates/preview/", TemplatePreviewAnyApi.as_view(), name="template-preview-any"),
    path("templates/<id:pk>/header-file/", TemplateHeaderFileApi.as_view(), name="template-header-file"),
]
