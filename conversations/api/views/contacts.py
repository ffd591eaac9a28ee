"""The contact directory (O3, R8) and the contact database (W11)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import QUERY_TEXT_SCHEMA, BodySerializer, CharField, IdField, query_text
from conversations.api.pagination import CURSOR_PARAMETER, IdCursorPagination
from conversations.api.schema import CONFLICT, body, page_of
from conversations.exceptions import NotFound
from conversations.models import Contact
from conversations.models.bounds import field_max_length
from conversations.services import contacts as contact_services
from waproject.requests import SignedInRequest


class ContactListApi(APIView):
    """Contacts, searchable by name, profile name, e-mail or phone digits (?search=), each
    saying whether the caller may open its history (``history_visible``)."""

    @extend_schema(
        operation_id="v1_contacts_list",
        parameters=[OpenApiParameter("search", QUERY_TEXT_SCHEMA), CURSOR_PARAMETER],
        responses=page_of(payloads.Contact),
    )
    def get(self, request: SignedInRequest) -> Response:
        paginator = IdCursorPagination()
        contacts = selectors.contact_list(user=request.user, search=query_text(request, "search"))
        page = paginator.paginate_queryset(contacts, request, view=self) or []  # always paginated
        visible = selectors.contact_history_visible_ids(user=request.user, contact_ids=[c.pk for c in page])
        return paginator.get_paginated_response(
            [payloads.contact_payload(c, history_visible=c.pk in visible) for c in page]
        )


def _max_length(field: str) -> int:
    return field_max_length(Contact, field)


class ContactDetailApi(APIView):
    """A contact; name, phone, e-mail and identifiers are editable (the contact database)."""

    class InputSerializer(BodySerializer):
        name = CharField(max_length=_max_length("name"), required=False, allow_blank=True)
        email = serializers.EmailField(max_length=_max_length("email"), required=False, allow_blank=True)
        phone = CharField(max_length=_max_length("phone"), required=False, allow_blank=True)
        identifiers = serializers.DictField(required=False)

    @extend_schema(responses=body(payloads.Contact))
    def get(self, request: SignedInRequest, pk: int) -> Response:
        contact = selectors.contact_get_for_user(user=request.user, contact_id=pk)
        visible = selectors.can_view_contact_history(user=request.user, contact_id=contact.pk)
        return Response(payloads.contact_payload(contact, history_visible=visible))

    @extend_schema(request=InputSerializer, responses=body(payloads.Contact))
    def patch(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contact_services.contact_update(user=request.user, contact_id=pk, **data.validated_data)
        return Response(payloads.contact_payload(contact))


class ContactHistoryApi(APIView):
    """W11: every interaction of the contact, on every channel, newest first (with the
    contact directory permission, or for agents who may see one of its interactions)."""

    @extend_schema(responses=body(payloads.ContactHistory))
    def get(self, request: SignedInRequest, pk: int) -> Response:
        if not selectors.can_view_contact_history(user=request.user, contact_id=pk):
            raise NotFound(
                _("contact %(contact_id)s does not exist or its history is not yours to see")
                % {"contact_id": pk}
            )
        return Response({"interactions": selectors.contact_history(contact_id=pk)})


class InteractionAssignContactApi(APIView):
    """R8: the customer of this interaction (an unknown number, say) is a known contact:
    merge the interaction's contact into it."""

    class InputSerializer(BodySerializer):
        contact_id = IdField()

    @extend_schema(request=InputSerializer, responses={200: body(payloads.Contact), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = contact_services.interaction_contact_assign(
            user=request.user, interaction_id=pk, contact_id=data.validated_data["contact_id"]
        )
        return Response(payloads.contact_payload(target))
