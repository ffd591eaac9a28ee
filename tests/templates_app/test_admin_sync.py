"""G1 in the admin: status is read-only (it mirrors Meta); "Submit to Meta" sends a
template for review and shows Meta's refusal on the field it is about; "Pull from Meta"
and "Delete at Meta" act on Meta's copy (the sandbox's, in-process)."""

from __future__ import annotations

import pytest
from django.test import Client

from sandbox.models import SandboxTemplate
from templates_app import syncing
from templates_app.models import MessageTemplate
from tests import meta_templates as mt
from tests.factories import UserFactory
from tests.templates_app.conftest import WABA_ID, form_errors, notification_form

pytestmark = pytest.mark.django_db
ADD = "/admin/templates_app/messagetemplate/add/"


@pytest.fixture
def admin_client(db, business, sandbox_graph, monkeypatch) -> Client:
    monkeypatch.setattr(syncing, "_client_for", sandbox_graph)
    client = Client()
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


def submitted(**fields: str) -> dict[str, str]:
    """The admin's form of a valid notification with "Submit to Meta" ticked."""
    return notification_form(submit_to_meta="on", **fields)


def test_submitting_creates_the_template_at_meta_and_it_is_pending(admin_client):
    response = admin_client.post(ADD, submitted(status="APPROVED"))  # a typed status is ignored
    assert response.status_code == 302
    template = MessageTemplate.objects.get(name="table_ready")
    at_meta = SandboxTemplate.objects.get(name="table_ready")
    assert (template.status, template.whatsapp_template_id) == ("PENDING", at_meta.template_id)
    page = admin_client.get(f"/admin/templates_app/messagetemplate/{template.pk}/change/").content.decode()
    assert 'name="status"' not in page  # read-only: it mirrors Meta


def test_metas_refusal_is_shown_on_its_field_and_nothing_is_saved(admin_client):
    at_meta = submitted(footer="Your code {{1}}")
    assert "footer" in form_errors(admin_client.post(ADD, at_meta))
    assert "2388073" in form_errors(admin_client.post(ADD, at_meta))["footer"][0]
    assert not MessageTemplate.objects.exists()
    SandboxTemplate.objects.create(
        template_id="5",
        waba_id=WABA_ID,
        name="table_ready",
        language="en_US",
        category="UTILITY",
        status="APPROVED",
        components=[],
    )
    assert "already exists" in form_errors(admin_client.post(ADD, submitted()))["name"][0]


def test_our_own_checks_come_first(admin_client):
    found = form_errors(admin_client.post(ADD, submitted(body="Hi {{first_name}}")))
    assert "choose named parameters" in found["body"][0]
    assert not SandboxTemplate.objects.exists()


def test_saving_without_submitting_stays_a_draft(admin_client):
    assert admin_client.post(ADD, notification_form()).status_code == 302
    assert MessageTemplate.objects.get().status == "DRAFT"
    assert not SandboxTemplate.objects.exists()


def test_pull_and_delete_at_meta(admin_client):
    SandboxTemplate.objects.create(
        template_id=mt.ORDER_SHIPPED["id"],
        waba_id=WABA_ID,
        name="order_shipped",
        language="en_US",
        category="UTILITY",
        status="APPROVED",
        parameter_format="NAMED",
        components=mt.ORDER_SHIPPED["components"],
    )
    assert admin_client.get("/admin/templates_app/messagetemplate/pull/").status_code == 405
    response = admin_client.post("/admin/templates_app/messagetemplate/pull/", follow=True)
    assert f"Pulled WABA {WABA_ID}: 1 new" in response.content.decode()
    template = MessageTemplate.objects.get(name="order_shipped")
    response = admin_client.post(
        "/admin/templates_app/messagetemplate/",
        {"action": "delete_at_meta", "_selected_action": [template.pk]},
        follow=True,
    )
    assert "was deleted at Meta" in response.content.decode()
    template.refresh_from_db()
    assert template.status == "DELETED"
    assert SandboxTemplate.objects.get().status == "DELETED"
