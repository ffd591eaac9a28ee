"""Files: upload one to send (vetted by content), download a message's file or thumbnail."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import unknown_fields_check
from conversations.api.parsers import MultiPartParser
from conversations.api.schema import body, error
from conversations.exceptions import DomainError, NotFound
from conversations.media import human_size, shown_name_of
from conversations.services import media as media_services
from waproject.files import secure_file_response
from waproject.requests import SignedInRequest
from whatsapp.limits import LARGEST_MEDIA_BYTES


class AttachmentUploadApi(APIView):
    """Upload a file to send: checked by content against WhatsApp's types and limits. The
    file is read from the upload as it was received (a temporary file for a large one),
    never whole into memory."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
                "additionalProperties": False,
            }
        },
        responses={
            201: body(payloads.Attachment),
            413: error(f"the file is larger than {human_size(LARGEST_MEDIA_BYTES)}"),
        },
    )
    def post(self, request: SignedInRequest) -> Response:
        unknown_fields_check(request.data, ["file"])
        upload = request.FILES.get("file")
        if upload is None:  # an empty file is refused by the media checks, by its name
            raise DomainError(_("send the file in the 'file' field"), code="invalid")
        attachment = media_services.attachment_upload(user=request.user, file=upload, file_name=upload.name)
        return Response(payloads.attachment_payload(attachment), status=status.HTTP_201_CREATED)


def _serve(request: SignedInRequest, pk: int, *, thumbnail: bool) -> FileResponse:
    try:
        attachment = selectors.attachment_get_for_user(user=request.user, attachment_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    stored = attachment.thumbnail if thumbnail else attachment.file
    if not stored:
        raise Http404(_("this file is not available (yet)"))
    return secure_file_response(
        stored,
        content_type="image/jpeg" if thumbnail else (attachment.mime_type or "application/octet-stream"),
        # M1b: saved under the name the transcript shows ("image.jpg" for a photo)
        file_name=shown_name_of(attachment),
        download=bool(request.query_params.get("download")) and not thumbnail,
        private_cache_seconds=3600,
    )


#: A stored file, served as it is (its own content type).
FILE = {(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the file")}


class AttachmentFileApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("download", str, description="any value: as an attachment")],
        responses=FILE,
    )
    def get(self, request: SignedInRequest, pk: int) -> FileResponse:
        return _serve(request, pk, thumbnail=False)


class AttachmentThumbnailApi(APIView):
    @extend_schema(responses=FILE)
    def get(self, request: SignedInRequest, pk: int) -> FileResponse:
        return _serve(request, pk, thumbnail=True)
