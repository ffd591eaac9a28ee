"""The admin renders every registered model, keeps WhatsApp's data read-only, and the
hot paths have the indexes they need (checked on the real schema, not the models)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from conversations.admin import ReadOnlyAdmin
from conversations.models import Message, WebhookEvent
from tests.factories import InteractionFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_page_renders(supervisor_client):
    message = MessageFactory(interaction=InteractionFactory(), body="hello")
    WebhookEvent.objects.create(received_at=message.arrived_at, body="{}", signature="")
    for model, model_admin in admin.site._registry.items():
        changelist = supervisor_client.get(
            _url(model, "changelist"), {"q": "x"} if model_admin.search_fields else {}
        )
        assert changelist.status_code == 200, model
        row = model.objects.first()
        if row is not None:
            assert supervisor_client.get(_url(model, "change", row.pk)).status_code == 200, model
        if model_admin.has_add_permission(changelist.wsgi_request):
            assert supervisor_client.get(_url(model, "add")).status_code == 200, model


def test_what_whatsapp_wrote_cannot_be_added_or_edited_in_the_admin(supervisor_client):
    message = MessageFactory(interaction=InteractionFactory(), body="as the customer wrote it")
    read_only = [
        model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, ReadOnlyAdmin)
    ]
    assert {Message, WebhookEvent} <= set(read_only)
    for model in read_only:
        assert supervisor_client.get(_url(model, "add")).status_code == 403, model
    supervisor_client.post(_url(Message, "change", message.pk), {"body": "rewritten"})
    message.refresh_from_db()
    assert message.body == "as the customer wrote it"


def _indexed_column_lists(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]


def test_message_is_unique_per_channel_and_wamid():
    assert ["channel_id", "wamid"] in _indexed_column_lists(Message._meta.db_table)


@pytest.mark.parametrize("owner", ["contact_id", "interaction_id"])
def test_transcript_pages_are_read_by_an_index(owner):
    assert [owner, "origination_at", "id"] in _indexed_column_lists(Message._meta.db_table)


def test_every_due_time_column_leads_an_index():
    due_columns = [
        (model, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.name.endswith("due_at") or field.name == "next_attempt_at"
    ]
    assert len(due_columns) >= 4
    for model, column in due_columns:
        leading = [columns[0] for columns in _indexed_column_lists(model._meta.db_table) if columns]
        assert column in leading, f"{model.__name__}.{column} has no index to sweep by"
