"""X4 endpoints: erase one contact's data, export it as JSON (each needs its permission)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api.schema import CONFLICT, body
from privacy import services
from privacy.services import ContactExport, ErasureResult
from waproject.requests import SignedInRequest


class ContactEraseApi(APIView):
    """Erase the contact's personal data (and that of contacts merged into it): names,
    numbers, identifiers, message text and media, notes, case data. The rows stay, with
    placeholders, so reports keep their counts. Refused (409) while one of its interactions
    is open. Needs "Can erase contact data"; recorded in the audit log."""

    @extend_schema(
        request=None,
        responses={
            200: body(ErasureResult, "erased"),
            409: CONFLICT,
        },
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        return Response(services.contact_erase(user=request.user, contact_id=pk).as_dict())


class ContactExportApi(APIView):
    """Everything stored about the contact as one JSON document (contact, merged contacts,
    interactions with notes, messages with their attachments' metadata). Needs "Can export
    contact data"; recorded in the audit log."""

    @extend_schema(responses={200: body(ContactExport, "the contact's data")})
    def get(self, request: SignedInRequest, pk: int) -> Response:
        document = services.contact_export(user=request.user, contact_id=pk)
        response = Response(document)
        response["Content-Disposition"] = f'attachment; filename="contact-{pk}.json"'
        return response


urlpatterns = [
    path("contacts/<id:pk>/erase/", ContactEraseApi.as_view(), name="contact-erase"),
    path("contacts/<id:pk>/export/", ContactExportApi.as_view(), name="contact-export"),
]
