"""T5: content managers edit templates in the admin, with validation and a live preview."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group

from templates_app.models import MessageTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def content_manager(django_user_model):
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    user = django_user_model.objects.create_user("cm", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Content managers"))
    return user


def test_the_change_form_has_a_live_preview(client, content_manager):
    client.force_login(content_manager)
    template = MessageTemplate.objects.get(name="order_update")
    page = client.get(f"/admin/templates_app/messagetemplate/{template.pk}/change/")
    assert page.status_code == 200
    assert b'id="template-preview"' in page.content
    assert b"templates_app/preview.js" in page.content


def test_invalid_templates_are_refused_with_the_reason(client, content_manager):
    client.force_login(content_manager)
    response = client.post(
        "/admin/templates_app/messagetemplate/add/",
        {
            "kind": "notification",
            "name": "Bad Name",
            "language": "en_US",
            "category": "UTILITY",
            "header_type": "none",
            "body": "Hello {{1}} and {{3}}",
            "footer": "",
            "buttons": "[]",
            "sections": "[]",
            "status": "DRAFT",
        },
    )
    assert response.status_code == 200  # the form again, with errors
    assert b"lowercase letters, digits and underscores" in response.content
    assert b"without gaps" in response.content
    assert not MessageTemplate.objects.filter(name="Bad Name").exists()


def test_content_managers_cannot_edit_channels(client, content_manager):
    client.force_login(content_manager)
    assert client.get("/admin/conversations/channel/").status_code == 403
