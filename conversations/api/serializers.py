"""API serializers: they translate, nothing more (services own the rules)."""

from __future__ import annotations

from rest_framework import serializers

from conversations.models import Attachment, Contact, Interaction, Message


class ContactSerializer(serializers.ModelSerializer):
    """CONTACT; with ``history_visible`` (may the caller open its history?) when the view
    put the answer for its contacts in the context (the selector decides)."""

    display_name = serializers.CharField(read_only=True)

    def to_representation(self, instance: Contact) -> dict:
        data = super().to_representation(instance)
        visible = self.context.get("history_visible")
        if visible is not None:
            data["history_visible"] = instance.pk in visible
        return data

    class Meta:
        model = Contact
        fields = [
            "id",
            "wa_id",
            "user_id",
            "profile_name",
            "name",
            "display_name",
            "phone",
            "email",
            "identifiers",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "wa_id", "user_id", "profile_name", "created_at", "updated_at"]


class InteractionSerializer(serializers.ModelSerializer):
    contact = ContactSerializer(read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "contact",
            "channel",
            "state",
            "origin",
            "queue",
            "owner",
            "case_data",
            "disposition",
            "created_at",
            "accepted_at",
            "closed_at",
            "last_inbound_at",
            "window_expires_at",
            "awaiting_reply_since",
            "window_due_at",
            "reply_due_at",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = [
            "id",
            "kind",
            "mime_type",
            "file_name",
            "size",
            "state",
            "voice",
            "animated",
            "width",
            "height",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    attachment = AttachmentSerializer(read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "interaction",
            "direction",
            "type",
            "wamid",
            "body",
            "content",
            "context_wamid",
            "forwarded",
            "frequently_forwarded",
            "referral",
            "errors",
            "origination_at",
            "arrived_at",
            "status",
            "sent_at",
            "delivered_at",
            "read_at",
            "failed_at",
            "error_code",
            "error_title",
            "error_details",
            "author",
            "attachment",
        ]
        read_only_fields = fields
