"""REST API views: thin, permission-scoped through selectors."""

from __future__ import annotations

from typing import Any

from rest_framework import generics, pagination
from rest_framework.exceptions import NotFound as DRFNotFound

from conversations import selectors
from conversations.api.serializers import ContactSerializer, InteractionSerializer, MessageSerializer
from conversations.exceptions import NotFound


class ContactListApi(generics.ListAPIView):
    """Contacts, searchable by name, profile name, e-mail or phone digits (?search=)."""

    serializer_class = ContactSerializer
    pagination_class = pagination.CursorPagination

    def get_queryset(self) -> Any:
        return selectors.contact_list(search=self.request.query_params.get("search", "").strip())


class ContactDetailApi(generics.RetrieveUpdateAPIView):
    """A contact; name, phone, e-mail and identifiers are editable (contact database)."""

    serializer_class = ContactSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.contact_list()


class InteractionPagination(pagination.CursorPagination):
    ordering = "-id"


class InteractionListApi(generics.ListAPIView):
    """Interactions the caller may see (all for supervisors; their own for agents)."""

    serializer_class = InteractionSerializer
    pagination_class = InteractionPagination

    def get_queryset(self) -> Any:
        queryset = selectors.interaction_list_for_user(user=self.request.user)
        state = self.request.query_params.get("state")
        return queryset.filter(state=state) if state else queryset


class InteractionDetailApi(generics.RetrieveAPIView):
    serializer_class = InteractionSerializer

    def get_object(self) -> Any:
        try:
            return selectors.interaction_get_for_user(
                user=self.request.user, interaction_id=self.kwargs["pk"]
            )
        except NotFound as exc:
            raise DRFNotFound(exc.message) from exc


class MessagePagination(pagination.CursorPagination):
    ordering = ("origination_at", "id")
    page_size = 50


class InteractionMessageListApi(generics.ListAPIView):
    """The interaction's messages in origination order, paged by cursor."""

    serializer_class = MessageSerializer
    pagination_class = MessagePagination

    def get_queryset(self) -> Any:
        try:
            interaction = selectors.interaction_get_for_user(
                user=self.request.user, interaction_id=self.kwargs["pk"]
            )
        except NotFound as exc:
            raise DRFNotFound(exc.message) from exc
        return selectors.message_list_for_interaction(interaction=interaction)
